// Replicas as child processes on fixed ports, so that one can be killed and started again on
// the same port while HAProxy keeps its configuration.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Replica } from './config.js';

export interface RunningReplica {
  readonly child: ChildProcess;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const ROOT = join(__dirname, '..', '..');

/**
 * Runs `script` (a TypeScript file, through tsx) as a replica on `replica`'s ports with
 * `env`, and resolves once it prints `listening on`.
 */
export function startReplica(
  script: string,
  replica: Replica,
  env: Record<string, string> = {},
): Promise<RunningReplica> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(replica.port), AGENT_PORT: String(replica.agentPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) resolve({ child, exited, output: () => output });
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`${script} exited (${signal ?? code}) before listening:\n${output}`)),
    );
  });
}
