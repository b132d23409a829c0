import {
  CallRecord,
  captured,
  newCall,
  QUEUED,
  rejection,
  type Settle,
  type SharedSlot,
  type Told,
} from './call-record.js';
import { keepHiddenClass } from './hidden-classes.js';
import { settleCall } from './settle.js';
import type { Tally } from './tally.js';
import type { RejectionReason } from './types.js';

/** One caller of a shared slot: its own promise, signal, deadline and meta (contract §11). */
export class SlotCaller extends CallRecord {
  constructor(
    settle: (value: unknown) => void,
    meta: unknown,
    /** The slot it waits on. */
    readonly slot: Slot,
    /** Its own priority: the slot rides with the highest of its callers'. */
    readonly priority: number,
  ) {
    super(settle, 0, meta);
  }
}

/** What becomes of a slot once it has settled: kept in the cache (`ok`) or forgotten. */
export type SlotSettled = (slot: Slot, ok: boolean, value: unknown) => void;

/**
 * contract §11: one item of a batch that every call with its key shares. To the engine it is
 * one queued call with a record (its deadline the latest of its callers', so it rides while
 * any of them can make theirs); settling it settles each caller still waiting, counted one
 * by one, then tells `KeyedCalls` whether its result may be kept.
 */
export class Slot extends CallRecord implements SharedSlot {
  /** The callers waiting on it that can leave early (a signal, a deadline) or carry a meta, in the order they came. */
  readonly callers: SlotCaller[] = [];
  /**
   * Callers with nothing of their own (no signal, deadline, priority or meta): they share one
   * promise, as DataLoader's callers of one key do, and cannot leave; counted here.
   */
  #plainCallers = 0;
  #plainPromise: Promise<unknown> | undefined = undefined;
  #plainSettle: Settle = noop;
  /** The highest priority of its callers. */
  priority: number;
  /** Callers that joined while it was queued, less those that left then: `callersWhenDispatched` once it runs. */
  #queuedCallers = 0;

  constructor(
    /** Its key, as `key` gave it (or the item itself). */
    readonly key: unknown,
    /** Its partition's key, undefined without `partitionBy`. */
    readonly partitionKey: unknown,
    cost: number,
    /** Its first caller's. */
    meta: unknown,
    priority: number,
    private readonly tally: Tally,
    private readonly settled: SlotSettled,
  ) {
    super(noop, cost, meta);
    this.priority = priority;
    this.shared = this;
    this.deadlineAt = -Infinity; // its first caller's, once it joins
  }

  get callersWhenDispatched(): number {
    return this.#queuedCallers;
  }

  /** A caller with nothing of its own joins: the promise it shares with the others like it. */
  joinPlain(): Promise<unknown> {
    this.#plainCallers++;
    if (this.state === QUEUED) this.#queuedCallers++;
    this.deadlineAt = Infinity; // it waits however long it takes, so the slot rides
    if (this.#plainPromise === undefined) {
      this.#plainPromise = newCall();
      this.#plainSettle = captured;
    }
    return this.#plainPromise;
  }

  /** A caller starts waiting on it; the slot's deadline becomes the latest of its callers'. */
  join(caller: SlotCaller): void {
    this.callers.push(caller);
    if (this.state === QUEUED) this.#queuedCallers++;
    if (caller.deadlineAt > this.deadlineAt) this.deadlineAt = caller.deadlineAt;
  }

  /** A caller has left on its own (abort, deadline); whether any caller still waits. */
  leave(caller: SlotCaller): boolean {
    const callers = this.callers;
    callers.splice(callers.indexOf(caller), 1);
    if (this.state === QUEUED) this.#queuedCallers--;
    // The deadline it rides by is now the latest of those who wait.
    let deadlineAt = this.#plainCallers > 0 ? Infinity : -Infinity;
    for (const { deadlineAt: at } of callers) if (at > deadlineAt) deadlineAt = at;
    this.deadlineAt = deadlineAt;
    return callers.length > 0 || this.#plainCallers > 0;
  }

  dropCallers(rides: (caller: CallRecord) => boolean, told: (caller: CallRecord) => Told): void {
    for (const caller of this.callers.filter((c) => !rides(c))) {
      this.leave(caller);
      const { error, why } = told(caller);
      settleCall(this.tally, caller.settle, caller, error, why);
    }
  }

  settleCallers(value: unknown, why: RejectionReason | undefined, isRejection: boolean): void {
    const callers = this.callers.length === 0 ? this.callers : this.callers.splice(0);
    const plain = this.#plainCallers;
    this.#plainCallers = 0;
    // A rejection the batch made for this slot (it shares one among its items) with nobody
    // here to take it: a slot kept running for the cache after its callers left. Handled here,
    // so that it is not an unhandled rejection.
    if (isRejection && callers.length === 0 && plain === 0) (value as Promise<unknown>).then(undefined, noop);
    // One rejected promise for all of them, made only if someone is there to handle it.
    let shared = value;
    let rejected = isRejection;
    if (why !== undefined && !isRejection && (callers.length > 0 || plain > 0)) {
      shared = rejection(value);
      rejected = true;
    }
    for (const caller of callers) settleCall(this.tally, caller.settle, caller, shared, why, rejected);
    if (plain > 0) {
      settleCall(this.tally, this.#plainSettle, undefined, shared, why, rejected);
      this.tally.count(why, plain - 1); // one promise, but as many calls
    }
    this.settled(this, why === undefined, value);
  }
}

function noop(): void {}

keepHiddenClass(new Slot(0, undefined, 0.5, undefined, 0, undefined as never, noop));
