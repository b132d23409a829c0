import { BatchQueue, type Partition, type Taken } from './batch-queue.js';
import { admit, queueFull, type Refused } from './call-intake.js';
import {
  CallRecord,
  captured,
  newCall,
  QUEUED,
  rejection,
  RUNNING,
  SETTLED,
  type Settle,
  watch,
} from './call-record.js';
import { exactNow } from './clock.js';
import { isError, messageOf, notOneResultPerItem, plural } from './describe.js';
import { Drains } from './drains.js';
import { BatchContractError, BatcherClosedError, BatchTimeoutError, TimeoutError } from './errors.js';
import { keepHiddenClass } from './hidden-classes.js';
import {
  mergeOptions,
  namedOptionError,
  resolveOptions,
  type BatchedOptions,
  type BatchTrigger,
  type ResolvedOptions,
} from './options.js';
import { OverloadControl } from './overload.js';
import { RunningBatch } from './running-batch.js';
import { warn } from './runtime.js';
import { Tally } from './tally.js';
import { timingFor, type Timing, type TimingHost } from './timing.js';
import type { BatchContext, BatcherControls, BatcherStats, CallOptions, RejectionReason } from './types.js';

/** A batch method as the engine calls it: one result (or `Error`) per item, in order. */
export type BatchFn<I, O> = (
  this: unknown,
  batch: I[],
  context: BatchContext,
) => readonly (O | Error)[] | PromiseLike<readonly (O | Error)[]>;

/**
 * The batching engine: gathers single calls into batches, runs at most `concurrency` of
 * them at once and fans each result out to its caller. It knows nothing of decorators.
 *
 * Invariants: a call is QUEUED, RUNNING or SETTLED and only moves forward; every call settles
 * exactly once: by its batch, which settles once (`done`), or, for a call with a record (a
 * signal, a deadline), by leaving first, which its record remembers. Which calls form the next
 * batch is the `BatchQueue`'s business; when a batch may go, the `Timing` policy's.
 */
export class Batcher<I, O> implements BatcherControls<I, O> {
  readonly #fn: BatchFn<I, O>;
  readonly #thisArg: unknown;
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

  readonly #running = new Set<RunningBatch>();
  /** What a batch costs, the forecast, and with `shed: true` who is refused (contract §10). */
  readonly #overload: OverloadControl;
  readonly #tally = new Tally();
  readonly #drains = new Drains();
  #warnedAboutHook = false;

  constructor(fn: BatchFn<I, O>, options: ResolvedOptions, name: string, thisArg?: unknown) {
    this.#fn = fn;
    this.#name = name;
    this.#thisArg = thisArg;
    this.#options = options;
    this.#plain = isPlain(options);
    this.#timingHost = {
      queue: this.#queue,
      lastSeq: () => this.#seq,
      slotFree: () => this.#slotFree(),
      pump: () => this.#pump(),
    };
    this.#timing = timingFor(options, this.#timingHost);
    this.#queue.chunkSize = options.maxBatchSize;
    this.#overload = new OverloadControl(name, this.#queue, this.#running, options);
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
    const admitted = admit(item, call, this.#options, this.#name, this.#queue.size, this.#overload);
    if ('why' in admitted) return this.#refuse(admitted);
    const { timeout, cost } = admitted;
    const promise = newCall() as Promise<O>;
    const settle = captured;
    // Only a call that can leave early, or carries a meta for onBatch, has a record.
    let record: CallRecord | undefined;
    if (call?.signal !== undefined || timeout !== undefined || call?.meta !== undefined) {
      record = new CallRecord(settle, cost, call?.meta);
      record.deadlineAt = admitted.deadlineAt;
      if (call?.signal !== undefined || timeout !== undefined) {
        const timedOut = () => new TimeoutError(`${this.#name}: the call timed out after ${timeout} ms`);
        watch(record, call?.signal, timeout, timedOut, this.#leave);
      }
    }
    const partition = this.#queue.partitionOf(admitted.key);
    this.#enqueue(partition, admitted.priority, item, settle, this.#timing.arrive(admitted.at), cost, record);
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
      ...(auto === undefined ? {} : { auto }),
      rejectedBy,
      ...this.#overload.stats(),
    };
  }

  configure(partial: BatchedOptions<I, O>): void {
    let options: ResolvedOptions;
    try {
      options = resolveOptions(mergeOptions(this.#options.given, partial));
    } catch (error) {
      throw namedOptionError(error, this.#name);
    }
    this.#options = options;
    this.#plain = isPlain(options);
    this.#timing = timingFor(options, this.#timingHost, this.#timing);
    this.#queue.chunkSize = options.maxBatchSize;
    this.#overload.configure(options);
    // Queued calls keep the cost and key they arrived with; one that no longer fits any batch
    // would wait forever, so it leaves now, as it would have been refused on arrival. All of
    // them leave before the pump below, so none can be dispatched under the new budget.
    for (const call of [...this.#queue.queued()]) {
      if (call.cost <= options.maxBatchCost) continue;
      const message = `${this.#name}: the item's cost ${call.cost} is above maxBatchCost ${options.maxBatchCost} (changed by configure), so it can never fit in a batch`;
      this.#settleCall(call.settle, call.record, new RangeError(message), 'badInput');
      this.#queue.removeQueued(call);
    }
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
      let partition = this.#queue.oldest(this.#isDue);
      if (partition === undefined) break;
      if (this.#waitsForCompany(partition)) {
        // It waits for company; a full batch of another key never waits (contract §5).
        partition = this.#queue.oldest(this.#isFull);
        if (partition === undefined) {
          this.#timing.waitAnotherTurn();
          break;
        }
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
    return this.#timing.waitsForCompany(partition.oldestStamp());
  }

  // ---- running a batch -------------------------------------------------------------------

  #dispatch(partition: Partition): void {
    const options = this.#options;
    // The pump takes only a due partition (by #isDue, or full), so it has a trigger.
    const trigger = this.#dueTrigger(partition)!;
    const startedAt = exactNow();
    const calls = this.#take(partition, startedAt);
    const size = calls.items.length;
    if (size === 0) return; // every call was shed
    const batch = new RunningBatch(calls, options, startedAt, options.cost === undefined ? size : calls.cost, trigger);
    const { records } = calls;
    if (records !== undefined) {
      for (const record of records) {
        if (record === undefined) continue;
        record.state = RUNNING;
        record.batch = batch;
      }
    }
    this.#running.add(batch);
    this.#timing.auto?.started(batch.queuedMs);
    this.#tally.batch(size);
    if (options.batchTimeout !== undefined) {
      batch.timer = setTimeout(() => this.#timeOut(batch), options.batchTimeout);
    }

    let result: unknown;
    try {
      result = this.#fn.call(this.#thisArg, calls.items as I[], batch.context);
    } catch (error) {
      result = rejection(error);
    }
    // Always settle in a later microtask, so a synchronous method cannot re-enter the pump.
    // Each handler guards itself (no `.catch` link: one promise less per batch).
    Promise.resolve(result).then(
      (value) => {
        try {
          this.#complete(batch, value);
        } catch (error) {
          this.#settleAbandoned(batch, error);
        }
      },
      (error: unknown) => {
        try {
          this.#fail(batch, error, 'batchError');
        } catch (failure) {
          this.#settleAbandoned(batch, failure);
        }
      },
    );
  }

  /** The next batch of a partition; with `shed`, the calls that cannot make their deadline are told so instead. */
  #take(partition: Partition, at: number): Taken {
    const formed = this.#overload.formBatch(partition, at);
    if (formed === undefined) return this.#queue.take(partition, this.#options);
    for (const { record, error } of formed.shed) {
      this.#settleCall(record.settle, record, error, 'shed');
      this.#queue.remove(record);
    }
    if (formed.shed.length > 0) this.#releaseDrains();
    return formed.taken;
  }

  /** Fans the results out: result `i` goes to caller `i`. */
  #complete(batch: RunningBatch, results: unknown): void {
    if (batch.done) return;
    const size = batch.size;
    const got = notOneResultPerItem(results, size);
    if (got !== undefined) {
      const message = `${this.#name} returned ${got} for a batch of ${plural(size, 'item')}; expected an array with one result per item, in order`;
      return this.#fail(batch, new BatchContractError(message), 'contract');
    }
    this.#endBatch(batch);
    this.#overload.record(batch.work, batch.runMs);
    const { output } = batch.options;
    const { settlers, records } = batch.calls;
    for (let i = 0; i < size; i++, batch.fannedOut = i) {
      const record = records?.[i];
      if (record !== undefined && record.state === SETTLED) continue; // its caller left; the result is dropped
      let result: unknown;
      try {
        result = (results as unknown[])[i];
      } catch (cause) {
        const error = new BatchContractError(`${this.#name}: reading result ${i} threw: ${messageOf(cause)}`, {
          cause,
        });
        this.#settleCall(settlers[i]!, record, error, 'contract');
        continue;
      }
      if (isError(result)) {
        this.#settleCall(settlers[i]!, record, result, 'resultError');
        continue;
      }
      const problem = output?.(result);
      if (problem === undefined) this.#settleCall(settlers[i]!, record, result);
      else {
        const error = new BatchContractError(`${this.#name}: result ${i} failed the output check: ${problem}`);
        this.#settleCall(settlers[i]!, record, error, 'contract');
      }
    }
    this.#ended(batch, undefined);
  }

  /** The whole batch failed: every caller still waiting gets the same error. */
  #fail(batch: RunningBatch, error: unknown, why: RejectionReason): void {
    if (batch.done) return;
    this.#endBatch(batch);
    this.#rejectRest(batch, error, why);
    this.#ended(batch, error);
  }

  /**
   * The last guard of the fan-out: if settling a batch threw anyway (a step nobody foresaw),
   * every caller of it not settled yet still settles, its slot frees and nothing is left unhandled.
   */
  #settleAbandoned(batch: RunningBatch, cause: unknown): void {
    const error = new BatchContractError(`${this.#name}: settling a batch failed: ${messageOf(cause)}`, { cause });
    if (!batch.done) this.#endBatch(batch);
    this.#rejectRest(batch, error, 'contract');
    this.#releaseDrains();
    this.#pump();
  }

  /** Rejects every caller of the batch from `fannedOut` on that is still waiting, with one shared rejection. */
  #rejectRest(batch: RunningBatch, error: unknown, why: RejectionReason): void {
    const { settlers, records } = batch.calls;
    let rejected: Promise<never> | undefined;
    for (let i = batch.fannedOut; i < batch.size; i++, batch.fannedOut = i) {
      const record = records?.[i];
      if (record !== undefined && record.state === SETTLED) continue;
      rejected ??= rejection(error);
      this.#settleCall(settlers[i]!, record, rejected, why, true);
    }
  }

  #timeOut(batch: RunningBatch): void {
    const { batchTimeout } = batch.options;
    const error = new BatchTimeoutError(
      `${this.#name}: a batch of ${plural(batch.size, 'item')} ran longer than batchTimeout (${batchTimeout} ms)`,
    );
    batch.abort(error);
    this.#fail(batch, error, 'batchTimeout');
  }

  #endBatch(batch: RunningBatch): void {
    batch.done = true;
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    this.#running.delete(batch);
    // One reading, so that onBatch reports the run time that 'auto' learns from.
    batch.runMs = exactNow() - batch.startedAt;
    this.#timing.auto?.finished(batch.size, batch.runMs, this.#queue.size > 0);
    Drains.batchEnded(batch);
  }

  /** After a batch's callers have settled: its event, the drains, the next batch. */
  #ended(batch: RunningBatch, error: unknown): void {
    const { onBatch } = batch.options;
    if (onBatch !== undefined) {
      try {
        onBatch(batch.event(error));
      } catch (hookError) {
        this.#warnOnce(`${this.#name}: the onBatch hook threw (the batcher goes on): ${messageOf(hookError)}`);
      }
    }
    this.#releaseDrains();
    this.#pump();
  }

  #warnOnce(message: string): void {
    if (this.#warnedAboutHook) return;
    this.#warnedAboutHook = true;
    warn(message, 'BatchedWarning');
  }

  // ---- settling one call -----------------------------------------------------------------

  #refuse({ reason, why }: Refused): Promise<never> {
    this.#tally.rejections.count(why);
    return rejection(reason);
  }

  /** A caller leaves early (abort, deadline); a queued call leaving may change what is due. */
  readonly #leave = (record: CallRecord, reason: unknown, why: RejectionReason): void => {
    if (record.state === SETTLED) return;
    const wasQueued = record.state === QUEUED;
    const batch = record.batch;
    this.#settleCall(record.settle, record, reason, why);
    if (wasQueued) {
      this.#queue.remove(record);
      this.#releaseDrains();
      this.#pump(); // the oldest call may have changed, or the queue emptied
    } else if (batch !== undefined && --batch.live === 0 && !batch.done) {
      // Every caller has gone: let the method stop early. Its batchTimeout may still free
      // the slot, but must not keep the process alive now that no call waits on it.
      batch.abort(reason);
      batch.timer?.unref?.();
      this.#releaseDrains();
    }
  };

  /**
   * Settles one call, once: with no `why` it resolves with `value`; with one it rejects with
   * `value` (`isRejection`: `value` is already the rejected promise), counted under `why`.
   */
  #settleCall(
    settle: Settle,
    record: CallRecord | undefined,
    value: unknown,
    why?: RejectionReason,
    isRejection = false,
  ): void {
    if (record !== undefined) {
      if (record.state === SETTLED) return;
      record.state = SETTLED;
      record.batch = undefined;
      if (record.detach !== undefined) {
        record.detach();
        record.detach = undefined;
      }
    }
    if (why === undefined) {
      this.#tally.resolved++;
      settle(value);
    } else {
      this.#tally.rejections.count(why);
      settle(isRejection ? value : rejection(value));
    }
  }

  /** Resolves the drains that are over: no call numbered up to theirs is still pending. */
  #releaseDrains(): void {
    if (!this.#drains.waiting) return;
    let pendingFrom = this.#queue.oldestSeq();
    for (const batch of this.#running) {
      if (batch.live > 0 && batch.calls.minSeq < pendingFrom) pendingFrom = batch.calls.minSeq;
    }
    this.#drains.release(pendingFrom);
  }
}

/** Whether no option needs a call checked, weighed, keyed or given a deadline. */
function isPlain(options: ResolvedOptions): boolean {
  return (
    options.input === undefined &&
    options.cost === undefined &&
    options.partitionBy === undefined &&
    options.timeout === undefined
  );
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
