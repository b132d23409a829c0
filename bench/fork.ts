// Starts a benchmark's server in a child process and waits for the port it listens on.
import { fork, type ChildProcess } from 'node:child_process';

export function forkServer(file: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(file, [], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`the server exited with code ${code}`)));
  });
}
