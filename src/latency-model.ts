import type { LatencyStats } from './types.js';

/** Batches remembered: enough for a fit to ride out a few odd ones, few enough to follow a change. */
const WINDOW = 32;

/** Below this many batches it predicts nothing (contract §10). */
export const MIN_SAMPLES = 3;

/**
 * contract §10: what a batch costs. Its run time as a line, `baseMs + perUnitMs · work`, where a
 * batch's work is its size (or its total cost, when the batcher has a `cost` function), learnt
 * from the last `WINDOW` batches that returned.
 *
 * The line is a Theil–Sen fit, not least squares: its slope is the median of the slopes between
 * every pair of batches of different work, its base the median of what is left. A median ignores
 * a minority of odd batches (a garbage collection, a cold start, a batch that met a busy CPU),
 * where one such batch would tilt a least-squares line and start a shedding spree. While every
 * batch seen had the same work, the line is flat at their median run time.
 */
export class LatencyModel {
  readonly #work = new Float64Array(WINDOW);
  readonly #runMs = new Float64Array(WINDOW);
  /** Scratch space for the fit, kept so that fitting allocates nothing: one slope per pair of batches. */
  readonly #slopes = new Float64Array((WINDOW * (WINDOW - 1)) / 2);
  readonly #residuals = new Float64Array(WINDOW);
  /** Batches recorded so far (the window holds the last `WINDOW` of them). */
  #samples = 0;
  /** A batch came in since the line was last fitted: fit again when next asked. */
  #stale = false;
  #baseMs = 0;
  #perUnitMs = 0;

  /** A batch of `work` items (or cost) ran for `runMs`. */
  record(work: number, runMs: number): void {
    const slot = this.#samples % WINDOW;
    this.#work[slot] = work;
    this.#runMs[slot] = runMs;
    this.#samples++;
    this.#stale = true;
  }

  /** Whether it has seen enough batches to predict. */
  get ready(): boolean {
    return this.#samples >= MIN_SAMPLES;
  }

  /** The predicted run time of a batch of `work`, in ms; `undefined` until it is ready. */
  predict(work: number): number | undefined {
    if (!this.ready) return undefined;
    this.#fit();
    return this.#baseMs + this.#perUnitMs * work;
  }

  /** The line it has learnt, for `stats().latency`; `undefined` until it is ready. */
  stats(): LatencyStats | undefined {
    if (!this.ready) return undefined;
    this.#fit();
    return { baseMs: this.#baseMs, perItemMs: this.#perUnitMs, samples: this.#samples };
  }

  #fit(): void {
    if (!this.#stale) return;
    this.#stale = false;
    const n = Math.min(this.#samples, WINDOW);
    const work = this.#work;
    const runMs = this.#runMs;
    const slopes = this.#slopes;
    let count = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = work[j]! - work[i]!;
        if (dx !== 0) slopes[count++] = (runMs[j]! - runMs[i]!) / dx;
      }
    }
    // A batch never gets cheaper for holding more: a falling line is noise between sizes.
    const slope = count === 0 ? 0 : Math.max(0, median(slopes.subarray(0, count)));
    const residuals = this.#residuals.subarray(0, n);
    for (let i = 0; i < n; i++) residuals[i] = runMs[i]! - slope * work[i]!;
    this.#perUnitMs = slope;
    this.#baseMs = Math.max(0, median(residuals));
  }
}

/**
 * The median of `values`, which it reorders: a quickselect, linear on average where a sort is
 * n log n. A fit runs after every batch ('auto' reads the line each time), on the batch's way
 * out, before the next one starts: sorting the 496 slopes of a full window with a comparator took
 * 60 µs, this takes 7 µs, and 'auto''s p50 on a 1 + 1·n ms model went from 0.16 ms behind delay
 * 0's to 0.02 (docs/design.md, "What a batch's bookkeeping costs").
 */
function median(values: Float64Array): number {
  const middle = values.length >> 1;
  const upper = selectNth(values, middle);
  if (values.length % 2 === 1) return upper;
  let lower = -Infinity; // the largest of the values before the middle, all ≤ upper once selected
  for (let i = 0; i < middle; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** Reorders `values` so that the k-th smallest is at index k, smaller or equal before, larger or equal after; returns it. */
function selectNth(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i++] = values[j]!;
        values[j--] = swap;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k]!;
}
