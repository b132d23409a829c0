import { BatchQueue, type Partition, type Taken } from './batch-queue.js';
import { admit, checksEveryCall, queueFull, recordFor, type Refused } from './call-intake.js';
import { captured, newCall, QUEUED, rejection, RUNNING, SETTLED, type Settle, type CallRecord } from './call-record.js';
import { exactNow } from './clock.js';
import { Dispatcher, type BatchFn, type DispatchHost } from './dispatch.js';
import { Drains } from './drains.js';
import { BatcherClosedError } from './errors.js';
import { keepHiddenClass } from './hidden-classes.js';
import { KeyedCalls, type KeyHost } from './keyed-calls.js';
import {
  reconfigured,
  resolveOptions,
  type BatchedOptions,
  type BatchTrigger,
  type ResolvedOptions,
} from './options.js';
import type { AutoPolicy } from './auto-policy.js';
import { OverloadControl } from './overload.js';
import { RunningBatch } from './running-batch.js';
import { settleCall } from './settle.js';
import { Tally } from './tally.js';
import { timingFor, type Timing, type TimingHost } from './timing.js';
import type { BatcherControls, BatcherStats, CallOptions, RejectionReason } from './types.js';

export type { BatchFn } from './dispatch.js';

/** A queued call taken into a running batch (`Batcher.takeToJoin`): its item, and how it settles. */
export interface JoinedCall<I> {
  readonly item: I;
  /** Settles the call, once: resolved with `value` without `why`, else rejected with it, counted as `why`. */
  readonly settle: (value: unknown, why?: RejectionReason) => void;
}

/**
 * The batching engine: gathers single calls into batches and decides when each may go; its
 * `Dispatcher` runs them, at most `concurrency` at once, and fans each result out to its
 * caller. It knows nothing of decorators.
 *
 * Invariants: a call is QUEUED, RUNNING or SETTLED and only moves forward; every call settles
 * exactly once: by its batch, which settles once (`done`), or, for a call with a record (a
 * signal, a deadline), by leaving first, which its record remembers. Which calls form the next
 * batch is the `BatchQueue`'s business; when a batch may go, the `Timing` policy's.
 */
export class Batcher<I, O> implements BatcherControls<I, O>, DispatchHost {
  /** `Class.method`, for error messages. */
  readonly #name: string;
  #options: ResolvedOptions;
  /** No option that a call must be checked or recorded for: `call` takes its short way. */
  #plain = false;

  readonly #queue = new BatchQueue();
  /** Sequence number of the last call queued. */
  #seq = 0;
  /** Calls with `seq <= #flushedSeq` were flushed: they go without asking the timing policy. */
  #flushedSeq = 0;
  #timing: Timing;
  readonly #timingHost: TimingHost;
  #closed = false;

  readonly #dispatcher: Dispatcher<I, O>;
  /** The batches running (the dispatcher's): their number is the slots taken. */
  readonly #running: ReadonlySet<RunningBatch>;
  /** What a batch costs, the forecast, and with `shed: true` who is refused (contract §10). */
  readonly #overload: OverloadControl;
  readonly #tally = new Tally();
  readonly #drains = new Drains();
  /** With `key` or `cache` (contract §11): which slot a call joins, and the results kept. */
  #keys: KeyedCalls | undefined;
  readonly #keyHost: KeyHost;

  constructor(fn: BatchFn<I, O>, options: ResolvedOptions, name: string, thisArg?: unknown) {
    this.#name = name;
    this.#options = options;
    this.#plain = !checksEveryCall(options);
    this.#timingHost = {
      queue: this.#queue,
      lastSeq: () => this.#seq,
      slotFree: () => this.#slotFree(),
      pump: () => this.#pump(),
    };
    this.#timing = timingFor(options, this.#timingHost);
    this.#queue.chunkSize = options.maxBatchSize;
    const running = new Set<RunningBatch>();
    this.#overload = new OverloadControl(name, this.#queue, running, options);
    this.#dispatcher = new Dispatcher(fn, thisArg, name, this.#tally, this.#overload, running, this);
    this.#running = running;
    this.#keyHost = {
      enqueue: (slot, item, admitted) => {
        const partition = this.#queue.partitionOf(admitted.key);
        const stamp = this.#timing.arrive(admitted.at);
        this.#enqueue(partition, slot.priority, item, slot.settle, stamp, admitted.cost, slot);
      },
      raise: (slot, priority) => this.#queue.raise(slot, priority),
      leave: this.#leave,
    };
    this.#keys = this.#keysFor(options);
  }

  /** Queues one item; the promise settles with its own result. */
  call(item: I, call?: CallOptions): Promise<O> {
    if (this.#closed)
      return this.#refuse({
        reason: new BatcherClosedError(`${this.#name} is closed and takes no new calls`),
        why: 'closed',
      });
    if (call !== undefined || !this.#plain) return this.#callWithOptions(item, call);
    if (this.#queue.size >= this.#options.maxQueueSize) return this.#refuse(queueFull(this.#options, this.#name));
    // The common call: no record, nothing to check; its stamp as the timing policy dates it.
    const promise = newCall() as Promise<O>;
    this.#enqueue(this.#queue.unkeyed, 0, item, captured, this.#timing.arrive(-1), 0, undefined);
    return promise;
  }

  /** A call with call options, or under options that check or weigh every call. */
  #callWithOptions(item: I, call: CallOptions | undefined): Promise<O> {
    const admitted = admit(item, call, this.#options, this.#name, this.#queue.size, this.#overload, this.#keys);
    if ('why' in admitted) return this.#refuse(admitted);
    if (this.#keys !== undefined) return this.#keys.call(item, call, admitted) as Promise<O>;
    const promise = newCall() as Promise<O>;
    const settle = captured;
    const record = recordFor(settle, call, admitted, this.#name, this.#leave);
    const partition = this.#queue.partitionOf(admitted.key);
    this.#enqueue(partition, admitted.priority, item, settle, this.#timing.arrive(admitted.at), admitted.cost, record);
    return promise;
  }

  #enqueue(
    partition: Partition,
    priority: number,
    item: unknown,
    settle: Settle,
    stamp: number,
    cost: number,
    record: CallRecord | undefined,
  ): void {
    this.#queue.add(partition, priority, item, settle, ++this.#seq, stamp, cost, record);
    // Only these change what the pump would do: a new oldest call, a full batch while a slot
    // is free, a turn to mark. (A new key's first call is the newest of all: it moves no timer.)
    if (
      this.#queue.size === 1 ||
      (partition.isFull(this.#options) && this.#slotFree()) ||
      this.#timing.pumpsOnArrival()
    ) {
      this.#pump();
    }
  }

  flush(): void {
    this.#flushedSeq = this.#seq;
    this.#timing.markDue(this.#seq);
    this.#pump();
  }

  drain(): Promise<void> {
    // Waits for calls (queued or running) and for batch methods still running: a method whose
    // callers have all gone still holds the model until it returns.
    if (this.#queue.size === 0 && this.#running.size === 0) return Promise.resolve();
    const drained = this.#drains.wait(this.#seq, this.#running);
    this.#releaseDrains();
    return drained;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#pump();
    // A drain waits for what is queued or running now; a batch dispatched later (its slot was
    // busy) is awaited by the next round. No new call can come, so the rounds end.
    do await this.drain();
    while (this.#running.size > 0 || this.#queue.size > 0);
  }

  stats(): BatcherStats {
    const auto = this.#timing.stats();
    const { rejectedBy, ...counts } = this.#tally.stats();
    return {
      queued: this.#queue.size,
      partitions: this.#queue.partitionCount,
      running: this.#running.size,
      ...counts,
      deduplicated: this.#keys?.deduplicated ?? 0,
      cacheHits: this.#keys?.cacheHits ?? 0,
      ...(auto === undefined ? {} : { auto }),
      rejectedBy,
      ...this.#overload.stats(),
    };
  }

  configure(partial: BatchedOptions<I, O>): void {
    const options = reconfigured(this.#options, partial, this.#name);
    this.#options = options;
    this.#plain = !checksEveryCall(options);
    this.#timing = timingFor(options, this.#timingHost, this.#timing);
    this.#queue.chunkSize = options.maxBatchSize;
    this.#overload.configure(options);
    // New keys or a new cache start afresh; slots already queued still answer their callers.
    if (!this.#keys?.servesOptions(options)) this.#keys = this.#keysFor(options);
    // Queued calls keep the cost and key they arrived with; one that no longer fits any batch
    // would wait forever, so it leaves now, as it would have been refused on arrival. All of
    // them leave before the pump below, so none can be dispatched under the new budget.
    for (const call of [...this.#queue.queued()]) {
      if (call.cost <= options.maxBatchCost) continue;
      const message = `${this.#name}: the item's cost ${call.cost} is above maxBatchCost ${options.maxBatchCost} (changed by configure), so it can never fit in a batch`;
      settleCall(this.#tally, call.settle, call.record, new RangeError(message), 'badInput');
      this.#queue.removeQueued(call);
    }
    this.#releaseDrains();
    this.#pump();
  }

  prime(key: unknown, value: O): this {
    this.#keysWithCache('prime').prime(key, value);
    return this;
  }

  clear(key: unknown): this {
    this.#keysWithCache('clear').clear(key);
    return this;
  }

  clearAll(): this {
    this.#keysWithCache('clearAll').clearAll();
    return this;
  }

  #keysWithCache(method: string): KeyedCalls {
    if (this.#keys === undefined) throw new TypeError(`${this.#name}: ${method}() needs the \`cache\` option`);
    return this.#keys;
  }

  #keysFor(options: ResolvedOptions): KeyedCalls | undefined {
    if (options.key === undefined && options.cache === undefined) return undefined;
    return new KeyedCalls(options, this.#name, this.#tally, this.#keyHost);
  }

  // ---- for a streaming method's batcher (contract §12, `join`) ------------------------------

  /**
   * @internal Queued calls of the partition `key` taken into a batch that is running, as a
   * batch would take them (priority, then arrival; the first that does not fit stops it), up to
   * `room` calls and `costRoom` of cost. They leave the queue; each settles, and is counted,
   * through its `JoinedCall` (or by leaving first, as any call can).
   */
  takeToJoin(key: unknown, room: number, costRoom: number): JoinedCall<I>[] {
    const partition = this.#queue.partitionFor(key);
    const first = partition?.nextCost();
    if (partition === undefined || first === undefined || room <= 0 || first > costRoom) return [];
    const taken = this.#queue.take(partition, { maxBatchSize: room, maxBatchCost: costRoom });
    const { items, settlers, records } = taken;
    const joined = items.map((item, i): JoinedCall<I> => {
      const record = records?.[i];
      if (record !== undefined) record.state = RUNNING; // in no engine batch: leaving only settles it
      return {
        item: item as I,
        settle: (value, why) => settleCall(this.#tally, settlers[i]!, record, value, why),
      };
    });
    this.#releaseDrains();
    return joined;
  }

  /** @internal Whether calls of the partition `key` are queued. */
  queuedIn(key: unknown): boolean {
    const partition = this.#queue.partitionFor(key);
    return partition !== undefined && partition.size > 0;
  }

  // ---- for its dispatcher (DispatchHost; not part of BatcherControls) -----------------------

  /** @internal */
  autoPolicy(): AutoPolicy | undefined {
    return this.#timing.auto;
  }

  /** @internal */
  callsWaiting(): boolean {
    return this.#queue.size > 0;
  }

  /** @internal */
  afterBatch(): void {
    this.#releaseDrains();
    this.#pump();
  }

  // ---- when a batch goes ----------------------------------------------------------------

  /**
   * contract §3 and §10: why a partition's batch may go now (full, closing, flushed, or its
   * timing's reason), or undefined while it waits.
   */
  #dueTrigger(partition: Partition): BatchTrigger | undefined {
    if (partition.isFull(this.#options)) return 'full';
    if (this.#closed) return 'close';
    if (partition.oldestSeq() <= this.#flushedSeq) return 'flush';
    return this.#timing.isDue(partition) ? this.#timing.trigger : undefined;
  }

  readonly #isDue = (partition: Partition): boolean => this.#dueTrigger(partition) !== undefined;

  readonly #isFull = (partition: Partition): boolean => partition.isFull(this.#options);

  #slotFree(): boolean {
    return this.#running.size < this.#options.concurrency;
  }

  /** Dispatches every batch that is due while slots are free, then lets the timing arm its wake-up. */
  #pump(): void {
    while (this.#slotFree() && this.#queue.size > 0) {
      // Of the due partitions, the one that has waited longest goes first.
      const partition = this.#queue.oldest(this.#isDue);
      if (partition === undefined) break;
      // 'auto' may let it wait a turn for company, but only while the slot would stay free for
      // it: with a full batch of another key ready, the key that has waited longest goes now.
      // Sending the full one instead starved a light key behind a busy one (contract §9).
      if (this.#waitsForCompany(partition) && this.#queue.oldest(this.#isFull) === undefined) {
        this.#timing.waitAnotherTurn();
        break;
      }
      this.#dispatch(partition);
    }
    this.#timing.arm();
  }

  /**
   * 'auto' only: a batch that is due only by its timing (not full, closing or flushed) waits a
   * turn for company when its policy says so.
   */
  #waitsForCompany(partition: Partition): boolean {
    if (this.#timing.auto === undefined || this.#dueTrigger(partition) !== this.#timing.trigger) return false;
    return this.#timing.waitsForCompany(partition.oldestStamp(), partition.size);
  }

  // ---- forming a batch (the dispatcher runs it) ---------------------------------------------

  #dispatch(partition: Partition): void {
    // The pump takes only a due partition (by #isDue, or full), so it has a trigger.
    const trigger = this.#dueTrigger(partition)!;
    const startedAt = exactNow();
    const calls = this.#take(partition, startedAt);
    if (calls.items.length > 0) this.#dispatcher.run(calls, this.#options, startedAt, trigger); // else all were shed
  }

  /** The next batch of a partition; with `shed`, the calls that cannot make their deadline (or whose deadline passed) are told so instead. */
  #take(partition: Partition, at: number): Taken {
    const formed = this.#overload.formBatch(partition, at);
    if (formed === undefined) return this.#queue.take(partition, this.#options);
    for (const { record, error, why } of formed.left) {
      settleCall(this.#tally, record.settle, record, error, why);
      this.#queue.remove(record);
    }
    if (formed.left.length > 0) this.#releaseDrains();
    return formed.taken;
  }

  // ---- calls that settle before their batch -------------------------------------------------

  #refuse({ reason, why }: Refused): Promise<never> {
    this.#tally.rejections.count(why);
    return rejection(reason);
  }

  /** A caller leaves early (abort, deadline); a queued call leaving may change what is due. */
  readonly #leave = (record: CallRecord, reason: unknown, why: RejectionReason): void => {
    if (record.state === SETTLED) return;
    const wasQueued = record.state === QUEUED;
    const batch = record.batch;
    settleCall(this.#tally, record.settle, record, reason, why);
    if (wasQueued) {
      this.#queue.remove(record);
      this.#releaseDrains();
      this.#pump(); // the oldest call may have changed, or the queue emptied
    } else if (batch?.callerLeft(reason)) {
      this.#releaseDrains(); // its method may run on, but no caller waits on it
    }
  };

  #releaseDrains(): void {
    this.#drains.release(this.#queue, this.#running);
  }
}

// One batcher of each timing policy, never called, and a batch of one call: see hidden-classes.ts.
for (const delay of [0, 1, 'auto'] as const) {
  const options = resolveOptions({ delay });
  keepHiddenClass(new Batcher(() => [], options, 'kept'));
  const queue = new BatchQueue();
  queue.add(queue.unkeyed, 0, 0, () => undefined, 1, 0, 0, undefined);
  // Its clock readings and its work are fractions, as a real batch's are (see hidden-classes.ts).
  const batch = new RunningBatch(queue.take(queue.unkeyed, options), options, 0.5, 0.5, 'turn');
  batch.runMs = 0.5;
  keepHiddenClass(batch);
  keepHiddenClass(batch.context);
}
