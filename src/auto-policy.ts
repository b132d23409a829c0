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
 * - When calls come to an idle model, it waits only while fewer calls are queued than arrive,
 *   on average, at each slot within a batch's fixed cost (the latency model's base: a count
 *   threshold), and batches have had company lately (a mean size above 1.5); then turn by turn
 *   while calls keep arriving (a turn brought new calls, or the last came less than
 *   `ARRIVAL_GAP_MS` ago).
 * - With more than one slot (`concurrency`), batches that start together end together, and
 *   the calls that arrive meanwhile wait a whole run for a slot: while batches have company
 *   and most of a batch's run is its fixed cost, a batch waits until a mean run time /
 *   concurrency has passed since the last one started, so that the slots free one after
 *   another (at concurrency 2, p99 came to 1.15-1.25 times the best fixed delay's without it:
 *   npm run bench:auto).
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
  /** The mean time between arrivals (ms), a moving average. */
  #meanGapMs = 0;
  /** What a batch costs whatever its size (ms), from the latency model; 0 until it can tell. */
  #fixedCostMs = 0;
  /** When the last batch started (ms). */
  #lastStartAt = -Infinity;
  /** Set when `shouldWait` holds a batch to space the slots: until when (ms), instead of one turn. */
  holdUntil: number | undefined = undefined;

  /** @param concurrency - the batcher's slots; `configure` may change it */
  constructor(public concurrency = 1) {}

  /** A call arrived at `now` (ms). */
  arrived(now: number): void {
    const gap = now - this.#lastArrivalAt;
    if (gap < Infinity) this.#meanGapMs += (gap - this.#meanGapMs) / 32; // about the last 32 arrivals
    this.#lastArrivalAt = now;
    this.#arrivals++;
  }

  /** A batch went at `now`; its oldest item had waited `waitedMs`. */
  started(now: number, waitedMs: number): void {
    this.#lastStartAt = now;
    this.#lastWaitMs = waitedMs;
    this.#turnsWaited = 0;
    this.#afterBatch = false;
  }

  /**
   * A batch of `size` items took `runMs`; `callsWaiting`: calls are queued for the next one;
   * `fixedCostMs`: what any batch costs whatever its size, as the latency model has learnt it.
   */
  finished(size: number, runMs: number, callsWaiting: boolean, fixedCostMs?: number): void {
    this.#fixedCostMs = fixedCostMs ?? 0;
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

  /**
   * Whether to wait one more turn, at `now`, for a batch whose oldest item came at `oldestAt`
   * and which holds `queued` calls so far.
   */
  shouldWait(now: number, oldestAt: number, queued = 1): boolean {
    this.holdUntil = undefined;
    let wait: boolean;
    if (this.#spaces(now, oldestAt)) {
      wait = true; // its own bound: a slot's share of a run
    } else if (this.#afterBatch) {
      // One turn, however long the queued calls have waited: the requests already in the
      // sockets are read in it and ride in this batch. It costs microseconds, not a window.
      // (Not subject to the count threshold below: on a CPU-bound server the calls that came
      // while the batch ran wait unread in the sockets, where the queue cannot count them.
      // With it, the real model at 90% in an open loop sent batches of 18 against 23.5 and
      // its p99 came to 1.5 times the best fixed delay's: npm run bench:serve.)
      wait = this.#turnsWaited === 0;
    } else if (!this.#fewerQueuedThanArriveInFixedCost(queued)) {
      // A count threshold (Deb and Serfozo: a batch-service queue is best served once it holds
      // some M calls): waiting pays only while fewer calls are queued than arrive at each slot
      // during one batch's fixed cost, λ·c / concurrency. Below one, a batch goes at once.
      wait = false;
    } else if (now - oldestAt >= this.maxWaitMs || this.#turnsWaited >= MAX_TURNS || this.#meanSize <= 1.5) {
      // Waited enough; or batches have had no company lately.
      wait = false;
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

  /**
   * With more than one slot and batches that have company: whether a batch whose oldest call
   * came at `oldestAt` should wait to start a mean run / concurrency after the last one; if so,
   * `holdUntil` says until when (the turn-by-turn wait cannot measure out milliseconds).
   */
  #spaces(now: number, oldestAt: number): boolean {
    // Spacing costs the oldest call time that only a fuller batch pays back: worth it while a
    // batch's fixed cost is at least half its run (a = 1, b = 1 at concurrency 2: p99 1.11-1.29
    // times end of turn's with spacing).
    // Nor while fewer than one call per slot arrives in a batch's fixed cost: no company to space for.
    if (
      this.concurrency === 1 ||
      this.#meanSize <= 1.5 ||
      this.#fixedCostMs < this.#meanRunMs / 2 ||
      !this.#fewerQueuedThanArriveInFixedCost(1)
    )
      return false;
    // Never longer than a slot's share of a run, for the oldest call too: the wait a call would
    // have for a slot anyway, had the batches started together. (Not AUTO_MAX_WAIT_MS: at 0.9x
    // of a 30 ms model at concurrency 2, capping it at 10 ms left p99 at 1.22 times the best
    // fixed delay's, 20 ms.)
    const share = this.#meanRunMs / this.concurrency;
    const until = Math.min(this.#lastStartAt + share, oldestAt + share);
    if (until <= now || this.#turnsWaited >= MAX_TURNS) return false;
    this.holdUntil = until;
    return true;
  }

  /**
   * Whether more than `queued` calls arrive, on average, at each slot within a batch's fixed
   * cost (λ·c / concurrency > queued). Per slot: with a slot free, the next call need not wait
   * for this batch, so company saves a fixed cost only once every slot's share of the arrivals
   * would (a = 1, b = 1 at 0.2x and concurrency 2: p99 1.16 times end of turn's when counted
   * for the whole batcher).
   */
  #fewerQueuedThanArriveInFixedCost(queued: number): boolean {
    return queued * this.concurrency * this.#meanGapMs < this.#fixedCostMs;
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
