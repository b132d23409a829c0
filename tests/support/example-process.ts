// Runs an example the way a user does, by its npm script, and talks to it over HTTP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { delimiter, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

export interface RunningExample {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr. */
  output(): string;
  /** Sends `signal` and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcess>();

/** Kills whatever a failed test left running, so no server outlives the suite. */
export function killLeftovers(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/**
 * Runs `npm run <script>` with `env`: the steps before the last `&&` to completion, then the
 * last one as the server, spawned directly (no npm, no shell) so that signals reach it and
 * `node` is the Node running the tests. Resolves when it prints `listening on <url>`.
 */
export function startExample(script: string, env: Record<string, string> = {}): Promise<RunningExample> {
  const command = scripts[script];
  if (command === undefined) throw new Error(`package.json has no script "${script}"`);
  const steps = command.split(' && ');
  const fullEnv = {
    ...process.env,
    PORT: '0',
    ...env,
    PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env['PATH']}`,
  };
  for (const step of steps.slice(0, -1)) {
    const result = spawnSync(step, { cwd: ROOT, env: fullEnv, shell: true, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`\`${step}\` failed:\n${result.stdout}${result.stderr}`);
  }
  const [program, ...args] = steps[steps.length - 1]!.split(' ');
  const child = spawn(program === 'node' ? process.execPath : program!, args, { cwd: ROOT, env: fullEnv });
  started.add(child);
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url === undefined) return;
      child.stdout.off('data', onOutput);
      child.stdout.on('data', (more: Buffer) => (output += more.toString()));
      resolve({
        url,
        child,
        output: () => output,
        stop: (signal = 'SIGTERM') => (child.kill(signal), exited),
      });
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(({ code, signal }) =>
      reject(new Error(`${script} exited (${signal ?? code}) before listening:\n${output}`)),
    );
  });
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}

/**
 * One HTTP request on a fresh connection (no keep-alive), so a cluster's primary spreads them.
 * Aborting `signal` hangs up.
 */
export function httpRequest(
  url: string,
  method: 'GET' | 'POST' = 'GET',
  body?: unknown,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent: false,
        signal,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: (): unknown => JSON.parse(text),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Polls `condition` every 20 ms until it holds (the test's own timeout bounds the wait). */
export async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}
