// The examples' servers stop the same way: on SIGTERM (a container stop, a rolling deploy) or
// SIGINT (Ctrl-C) they close, which answers everything in flight, and then exit.

/**
 * On the first of `signals`, runs `close` and exits: 0 when it finished, 1 when it threw.
 * A second signal while closing exits at once: whoever sent it will not wait.
 */
export function closeOnSignal(close: () => Promise<void>, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    console.log(`${signal}: closing`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
}

/** The port to listen on: `PORT` from the environment (0 picks a free one), else `fallback`. */
export function portFromEnv(fallback = 3000): number {
  const port = Number(process.env['PORT'] ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError(`PORT must be 0..65535, got ${process.env['PORT']}`);
  return port;
}
