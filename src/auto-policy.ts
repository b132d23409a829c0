import type { AutoStats } from './types.js';

/**
 * contract §5, `delay: 'auto'`: whether a batch that could go now should wait one more turn of
 * the event loop for company. The engine asks only when a slot is free, the batch is not
 * full and its oldest item's turn has ended (so calls of one tick always share a batch).
 *
 * What it has learnt: the mean run time of a batch and the mean batch size (moving
 * averages, so they follow the load and the model). What it watches: when calls arrive.
 *
 * - After a batch finishes with calls queued, it waits exactly one turn: the requests already
 *   in the sockets are read in that turn and ride in the next batch, not the one after.
 * - When calls come to an idle model, it waits only if batches have had company lately
 *   (a mean size above 1.5), and then turn by turn while calls keep arriving (a turn brought
 *   new calls, or the last came less than `ARRIVAL_GAP_MS` ago).
 * - It never waits longer than half the mean run time of a batch, nor `AUTO_MAX_WAIT_MS`:
 *   waiting costs latency that only a fuller batch can pay back. Before the first batch has
 *   run it does not wait at all.
 */
export class AutoPolicy {
  #meanRunMs = 0;
  #meanSize = 1;
  #batches = 0;
  #lastWaitMs = 0;
  #lastArrivalAt = -Infinity;
  #arrivals = 0;
  /** `#arrivals` when the policy last decided to wait, to tell whether that turn brought calls. */
  #arrivalsAtWait = 0;
  #turnsWaited = 0;
  #afterBatch = false;

  /** A call arrived at `now` (ms). */
  arrived(now: number): void {
    this.#lastArrivalAt = now;
    this.#arrivals++;
  }

  /** A batch went; its oldest item had waited `waitedMs`. */
  started(waitedMs: number): void {
    this.#lastWaitMs = waitedMs;
    this.#turnsWaited = 0;
    this.#afterBatch = false;
  }

  /** A batch of `size` items took `runMs`; `callsWaiting`: calls are queued for the next one. */
  finished(size: number, runMs: number, callsWaiting: boolean): void {
    const weight = this.#batches < 8 ? 1 / (this.#batches + 1) : 1 / 8; // a plain mean to start with
    this.#meanRunMs += (runMs - this.#meanRunMs) * weight;
    this.#meanSize += (size - this.#meanSize) * weight;
    this.#batches++;
    this.#afterBatch = callsWaiting;
    this.#turnsWaited = 0;
  }

  /** The longest the oldest item may wait for company, in ms. */
  get maxWaitMs(): number {
    return Math.min(AUTO_MAX_WAIT_MS, this.#meanRunMs / 2);
  }

  /** Whether to wait one more turn, at `now`, for a batch whose oldest item came at `oldestAt`. */
  shouldWait(now: number, oldestAt: number): boolean {
    if (this.#afterBatch) {
      // One turn, however long the queued calls have waited: the requests already in the
      // sockets are read in it and ride in this batch. It costs microseconds, not a window.
      const wait = this.#turnsWaited === 0;
      this.#turnsWaited++;
      return wait;
    }
    if (now - oldestAt >= this.maxWaitMs || this.#turnsWaited >= MAX_TURNS) return false;
    let wait: boolean;
    if (this.#meanSize <= 1.5) {
      wait = false; // batches have had no company lately: do not keep a lone call waiting for it
    } else {
      const stillArriving = this.#arrivals !== this.#arrivalsAtWait || now - this.#lastArrivalAt < ARRIVAL_GAP_MS;
      wait = this.#turnsWaited === 0 || stillArriving;
    }
    if (wait) {
      this.#arrivalsAtWait = this.#arrivals;
      this.#turnsWaited++;
    }
    return wait;
  }

  /** What it has learnt, for `stats().auto`. */
  stats(): AutoStats {
    return {
      meanRunMs: this.#meanRunMs,
      meanBatchSize: this.#meanSize,
      lastWaitMs: this.#lastWaitMs,
      maxWaitMs: this.maxWaitMs,
    };
  }
}

/** The documented cap on how long 'auto' waits for company, in ms. */
export const AUTO_MAX_WAIT_MS = 10;

/** Calls closer together than this, in ms, are "still arriving". */
const ARRIVAL_GAP_MS = 0.25;

/** At most this many turns of waiting per batch, so a frozen clock (fake timers) cannot spin. */
const MAX_TURNS = 64;
