import type { AutoPolicy } from './auto-policy.js';
import type { Partition } from './batch-queue.js';
import { exactNow, turnNow } from './clock.js';
import { nextTurn, type TurnHandle } from './runtime.js';
import type { Timing, TimingHost } from './timing.js';
import type { AutoStats } from './types.js';

/**
 * `delay: 0`, and 'auto' (contract §2, §5): a batch goes at the end of the turn in which its
 * calls were made, so calls made in the same tick share it. One hop to the end of the turn
 * serves every call made before it. With 'auto', its policy may keep a batch for one more
 * turn, for company.
 */
export class EndOfTurn implements Timing {
  readonly trigger = 'turn';
  dueSeq: number;
  #hop: TurnHandle | undefined = undefined;
  /** 'auto' asked for one more turn. */
  #waitsAgain = false;
  /** 'auto' holds a batch until then (ms) to space its slots: a timer, not a turn. */
  #holdUntil: number | undefined = undefined;
  #holdTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    private readonly host: TimingHost,
    dueSeq: number,
    readonly auto: AutoPolicy | undefined,
  ) {
    this.dueSeq = dueSeq;
  }

  arrive(at: number): number {
    if (this.auto === undefined) {
      // The stamp only dates the call (for onBatch): the turn's shared one serves, where
      // reading a clock would cost as much as the rest of the call's bookkeeping.
      return at < 0 ? turnNow() : Math.floor(at);
    }
    const exact = at < 0 ? exactNow() : at; // 'auto' watches the gaps between arrivals
    this.auto.arrived(exact);
    return Math.floor(exact);
  }

  pumpsOnArrival(): boolean {
    return this.#hop === undefined; // the first call of a turn books the hop
  }

  isDue(partition: Partition): boolean {
    return partition.oldestSeq() <= this.dueSeq;
  }

  markDue(seq: number): void {
    if (seq > this.dueSeq) this.dueSeq = seq;
  }

  waitsForCompany(stamp: number, queued: number): boolean {
    return this.auto !== undefined && this.auto.shouldWait(exactNow(), stamp, queued);
  }

  waitAnotherTurn(): void {
    const until = this.auto?.holdUntil;
    if (until !== undefined) this.#holdUntil = until;
    else this.#waitsAgain = true;
  }

  arm(): void {
    if (this.host.queue.size === 0) return this.cancel();
    const turnNeeded = this.host.lastSeq() > this.dueSeq || this.#waitsAgain;
    if (turnNeeded && this.#hop === undefined) this.#hop = nextTurn(this.#onTurnEnd);
    if (this.#holdUntil !== undefined && this.#holdTimer === undefined)
      this.#holdTimer = setTimeout(this.#onHoldEnd, Math.max(0, this.#holdUntil - exactNow()));
  }

  cancel(): void {
    this.#hop?.cancel();
    this.#hop = undefined;
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    this.#holdUntil = undefined;
  }

  stats(): AutoStats | undefined {
    return this.auto?.stats();
  }

  readonly #onHoldEnd = (): void => {
    this.#holdTimer = undefined;
    this.#holdUntil = undefined;
    this.host.pump();
  };

  readonly #onTurnEnd = (): void => {
    this.#hop = undefined;
    this.#waitsAgain = false;
    this.dueSeq = this.host.lastSeq();
    this.host.pump();
  };
}
