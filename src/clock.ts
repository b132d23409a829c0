/**
 * The engine's clock: monotonic milliseconds (`performance.now()`), so that stepping the
 * system time changes no window (contract §3).
 *
 * `wholeMsNow` stamps a call's arrival in whole ms, rounded down: a small integer, which V8
 * stores in an entry without boxing a number per call. It is read at every call, not once
 * per synchronous stretch: a stretch can last long (a busy event loop), and a stamp cached at
 * its start would open a late call's window before the call was made. Rounding down opens
 * a window at most 1 ms early, never late.
 */
export function wholeMsNow(): number {
  return Math.floor(performance.now());
}

/** Milliseconds on a monotonic clock, read now: for timers and for measuring a batch. */
export function exactNow(): number {
  return performance.now();
}
