// The examples' servers stop the same way, through close-with-grace: on SIGTERM (a container
// stop, a rolling deploy), SIGINT (Ctrl-C) or an uncaught error they close, which answers
// everything in flight, then exit: 0 after a signal, 1 after an error, 1 if closing takes
// over 10 s. A second signal while closing exits at once.
import closeWithGrace from 'close-with-grace';

/** Runs `close` once, on the first signal (but those in `skip`) or uncaught error, then exits. */
export function closeOnSignal(close: () => Promise<void>, skip: closeWithGrace.AllEvents[] = []): void {
  closeWithGrace({ delay: 10_000, skip }, async ({ signal, err }) => {
    if (err !== undefined) console.error(err);
    console.log(`${signal ?? (err ? 'error' : 'exit')}: closing`);
    await close();
  });
}

/** The port to listen on: `PORT` from the environment (0 picks a free one), else `fallback`. */
export function portFromEnv(fallback = 3000): number {
  const port = Number(process.env['PORT'] ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError(`PORT must be 0..65535, got ${process.env['PORT']}`);
  return port;
}
