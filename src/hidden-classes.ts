/**
 * Keeps one instance of each class on the call path alive for as long as the library is
 * loaded. V8 shares a hidden class (map) among the objects of a class, but holds the maps that
 * fields are added on through weak transitions only: once every batcher has gone (a batcher
 * per request, per test, per benchmark round), its maps are collected, and with them every
 * piece of optimized code that was compiled against them. The next batcher then starts in the
 * interpreter and pays for compiling it all again. An instance kept here keeps the maps, so the
 * code stays. Measured: a new batcher per round of 100,000 calls went from about 1.7x to
 * 1.25x the floor's time per call.
 *
 * A kept instance must hold the kinds of values the real ones do: a number field that takes a
 * fraction (a clock reading, a run time, a cost) must hold one here too. A map whose field
 * held only whole numbers is replaced by a new one when a fraction arrives, and the kept
 * instance would keep the old map, not the one in use (measured: a `RunningBatch` kept with
 * whole numbers left `#complete`, `#dispatch` and its constructor deoptimized after every full
 * collection with no batch running, about once per round of 100,000 calls in a closed loop).
 */
const kept: object[] = [];

/** Keeps `instance`, and so its hidden class, alive. */
export function keepHiddenClass(instance: object): void {
  kept.push(instance);
}

/** The instances kept, for the test that checks they share the maps of instances in use. */
export function keptInstances(): readonly object[] {
  return kept;
}
