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
    const work = this.#work.subarray(0, n);
    const runMs = this.#runMs.subarray(0, n);
    const slopes: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = work[j]! - work[i]!;
        if (dx !== 0) slopes.push((runMs[j]! - runMs[i]!) / dx);
      }
    }
    // A batch never gets cheaper for holding more: a falling line is noise between sizes.
    const slope = slopes.length === 0 ? 0 : Math.max(0, median(slopes));
    const residuals = Array.from(work, (w, i) => runMs[i]! - slope * w);
    this.#perUnitMs = slope;
    this.#baseMs = Math.max(0, median(residuals));
  }
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}
