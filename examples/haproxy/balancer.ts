// Runs Debian's HAProxy (bash scripts/install-haproxy.sh) in the foreground (-db) with a
// configuration written to a temporary folder, and stops it by its pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Balancer {
  readonly child: ChildProcess;
  /** Everything HAProxy printed (its warnings say when a server went DOWN or UP). */
  output(): string;
  /** Sends `command` to the stats socket (`show stat`, say) and resolves with the answer. */
  command(command: string): Promise<string>;
  stop(): Promise<void>;
}

/** The haproxy binary: HAPROXY, else the one on PATH, else a message that says how to install it. */
export function haproxyPath(): string {
  const candidate = process.env['HAPROXY'] ?? 'haproxy';
  const found = spawnSync(candidate, ['-v'], { encoding: 'utf8' });
  if (found.status !== 0)
    throw new Error(`HAProxy was not found (${candidate}): run \`bash scripts/install-haproxy.sh\` first`);
  return candidate;
}

/**
 * Starts HAProxy with `config` (which must name `socket` as its stats socket) and resolves
 * once it accepts connections on `port`.
 */
export async function startBalancer(config: (socket: string) => string, port: number): Promise<Balancer> {
  const folder = mkdtempSync(join(tmpdir(), 'batched-fn-haproxy-'));
  const socket = join(folder, 'stats.sock');
  const file = join(folder, 'haproxy.cfg');
  writeFileSync(file, config(socket));
  const haproxy = haproxyPath();
  const check = spawnSync(haproxy, ['-c', '-q', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy -c refused the configuration:\n${check.stdout}${check.stderr}`);
  const child = spawn(haproxy, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const balancer: Balancer = {
    child,
    output: () => output,
    command: (command) => ask(socket, command),
    stop: () => (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), exited),
  };
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return balancer;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function ask(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const connection = connect(socket);
    connection.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    connection.once('end', () => resolve(answer));
    connection.once('error', reject);
    connection.end(`${command}\n`);
  });
}

/** Free TCP ports on 127.0.0.1, as the system hands them out (each listened on, then closed). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Servers of `backend` by name, with their state and how often they went DOWN (`show stat`). */
export async function serverStates(
  balancer: Balancer,
  backend: string,
): Promise<Map<string, { status: string; downs: number; weight: number }>> {
  const [header, ...rows] = (await balancer.command('show stat')).trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const states = new Map<string, { status: string; downs: number; weight: number }>();
  for (const row of rows) {
    const cells = row.split(',');
    if (cells[at('pxname')] !== backend || ['FRONTEND', 'BACKEND'].includes(cells[at('svname')]!)) continue;
    states.set(cells[at('svname')]!, {
      status: cells[at('status')]!,
      downs: Number(cells[at('chkdown')]),
      weight: Number(cells[at('weight')]),
    });
  }
  return states;
}
