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
