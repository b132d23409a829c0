import type { Partition } from './batch-queue.js';
import { exactNow, wholeMsNow as now } from './clock.js';
import type { Timing, TimingHost } from './timing.js';

/**
 * `delay: n` (contract §2, §3): a batch that is not full goes once its oldest call has waited
 * `n` ms. Every partition has the same window, so the oldest call of all is the next to fall
 * due: one timer, for it, serves the whole queue.
 */
export class FixedWindow implements Timing {
  readonly trigger = 'window';
  readonly auto = undefined;
  dueSeq: number;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The call the timer waits for. */
  #timerSeq = 0;

  constructor(
    private readonly host: TimingHost,
    dueSeq: number,
    readonly delay: number,
  ) {
    this.dueSeq = dueSeq;
  }

  arrive(at: number): number {
    return Math.floor(at < 0 ? exactNow() : at); // the window starts at the call itself
  }

  pumpsOnArrival(): boolean {
    return false; // the timer of the oldest call, armed when it came, moves for nobody else
  }

  isDue(partition: Partition): boolean {
    return partition.oldestSeq() <= this.dueSeq || now() - partition.oldestStamp() >= this.delay;
  }

  markDue(seq: number): void {
    if (seq > this.dueSeq) this.dueSeq = seq;
  }

  waitsForCompany(): boolean {
    return false;
  }

  waitAnotherTurn(): void {}

  arm(): void {
    const { queue } = this.host;
    // With nothing queued, or every slot busy, no timer is needed: the slot that frees pumps.
    if (queue.size === 0 || !this.host.slotFree()) return this.cancel();
    const front = queue.oldest()!;
    const seq = front.oldestSeq();
    if (this.#timer !== undefined && this.#timerSeq === seq) return;
    this.cancel();
    this.#timerSeq = seq;
    this.#timer = setTimeout(this.#onDelay, Math.max(0, front.oldestStamp() + this.delay - now()));
  }

  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  stats(): undefined {
    return undefined;
  }

  readonly #onDelay = (): void => {
    this.#timer = undefined;
    // The timer may fire a hair before the clock agrees; its call is due either way.
    this.markDue(this.#timerSeq);
    this.host.pump();
  };
}
