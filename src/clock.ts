/**
 * The engine's clock: monotonic milliseconds (`performance.now()`), so that stepping the
 * system time changes no window (contract §3). Arrival stamps are whole ms, rounded down:
 * small integers, which V8 stores in an entry without boxing a number per call.
 */

/** Whole ms on the monotonic clock, read now. Rounding down opens a window at most 1 ms early, never late. */
export function wholeMsNow(): number {
  return Math.floor(performance.now());
}

/** Milliseconds on a monotonic clock, read now: for deadlines, windows and measuring a batch. */
export function exactNow(): number {
  return performance.now();
}

let stamp = -1;

const forget = (): void => {
  stamp = -1;
};

/**
 * Whole ms shared by every call of the current synchronous stretch: read once, forgotten by a
 * promise reaction when the stretch ends (not a timer, which fake timers would hold). Reading
 * a clock costs about as much as the rest of a call's bookkeeping, so calls whose stamp only
 * dates them (`delay: 0`) use this one; it can be older than the call by the length of the
 * stretch, so nothing that times a window may use it.
 */
export function turnNow(): number {
  if (stamp < 0) {
    stamp = Math.floor(performance.now());
    void Promise.resolve().then(forget);
  }
  return stamp;
}
