/**
 * The engine's clock: monotonic milliseconds (`performance.now()`), so that stepping the
 * system time changes no window (SPEC §3). Stamps are whole ms, rounded down: small integers
 * that V8 stores in an entry without boxing a number per call.
 *
 * Reading a clock costs about as much as the rest of a call's bookkeeping, so it is read at
 * most once per synchronous turn: calls made in one turn share a stamp, and a promise
 * reaction, not a timer (fake timers must not hold it), forgets the stamp when the turn ends.
 * A stamp is therefore never later than the call it marks, so a window can only end early by
 * the length of one synchronous stretch, never late.
 */
let stamp = -1;

const forget = (): void => {
  stamp = -1;
};

/** Whole milliseconds on a monotonic clock, shared by every call of the current turn. */
export function turnNow(): number {
  if (stamp < 0) {
    stamp = Math.floor(performance.now());
    void Promise.resolve().then(forget);
  }
  return stamp;
}

/** Milliseconds on a monotonic clock, read now: for timers and for measuring a batch. */
export function exactNow(): number {
  return performance.now();
}
