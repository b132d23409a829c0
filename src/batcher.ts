import { AutoPolicy } from './auto-policy.js';
import { BatchQueue, type Partition } from './batch-queue.js';
import { callOptionsProblem, costOf, partitionKeyOf } from './call-checks.js';
import { exactNow, turnNow, wholeMsNow as now } from './clock.js';
import { isError, messageOf, notOneResultPerItem, plural } from './describe.js';
import { type Drain, Entry, promiseFor, QUEUED, releaseDrains, RUNNING, SETTLED } from './entry.js';
import { BatchContractError, BatcherClosedError, BatchTimeoutError, QueueFullError, TimeoutError } from './errors.js';
import {
  mergeOptions,
  namedOptionError,
  resolveOptions,
  type BatchedOptions,
  type BatchEvent,
  type BatchTrigger,
  type ResolvedOptions,
} from './options.js';
import { OverloadControl } from './overload.js';
import { Rejections } from './rejections.js';
import { LazyBatchContext, RunningBatch } from './running-batch.js';
import { nextTurn, warn, type TurnHandle } from './runtime.js';
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
 * Invariants: an item is QUEUED, RUNNING or SETTLED and only moves forward; every call
 * settles exactly once (`#settle` is the only place that resolves or rejects). Which items
 * form the next batch (order, priority, partitions, cost) is the `BatchQueue`'s business;
 * when a batch goes is decided here (`#isDue`).
 */
export class Batcher<I, O> implements BatcherControls<I, O> {
  readonly #fn: BatchFn<I, O>;
  readonly #thisArg: unknown;
  /** `Class.method`, for error messages. */
  readonly #name: string;
  #options: ResolvedOptions;

  readonly #queue = new BatchQueue();
  /** Sequence number of the last call enqueued. */
  #seq = 0;
  /** Items with `seq <= #dueSeq` may be dispatched now: their wait ended, or `flush()` asked. */
  #dueSeq = 0;
  /** Items with `seq <= #flushedSeq` were flushed: they go without asking the 'auto' policy. */
  #flushedSeq = 0;
  /** With `delay: 'auto'`, what decides whether a batch waits for company (contract §5). */
  #auto: AutoPolicy | undefined;
  /** The 'auto' policy asked for one more turn. */
  #autoWaits = false;
  #closed = false;

  readonly #runningBatches = new Set<RunningBatch>();
  /** What a batch costs, the forecast, and with `shed: true` who is refused (contract §10). */
  readonly #overload: OverloadControl;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: TurnHandle | undefined;
  /** The item the delay timer waits for. */
  #timerSeq = 0;

  #batches = 0;
  #items = 0;
  #resolved = 0;
  readonly #rejections = new Rejections();

  /** Batches dispatched, by size. A Map: reading a size not seen yet from an object deoptimizes. */
  readonly #batchSizes = new Map<number, number>();
  #warnedAboutHook = false;
  /** What callers attached with `call.meta`, for `onBatch`; only calls that gave one are here. */
  readonly #metas = new WeakMap<Entry<unknown>, unknown>();

  constructor(fn: BatchFn<I, O>, options: ResolvedOptions, name: string, thisArg?: unknown) {
    this.#fn = fn;
    this.#options = options;
    this.#name = name;
    this.#thisArg = thisArg;
    this.#auto = options.delay === 'auto' ? new AutoPolicy() : undefined;
    this.#overload = new OverloadControl(name, this.#queue, this.#runningBatches, options);
  }

  /** Queues one item; the promise settles with its own result. */
  call(item: I, call?: CallOptions): Promise<O> {
    const options = this.#options;
    if (this.#closed)
      return this.#refuse(new BatcherClosedError(`${this.#name} is closed and takes no new calls`), 'closed');
    let priority = 0;
    if (call !== undefined) {
      const problem = callOptionsProblem(call);
      if (problem !== undefined) return this.#refuse(new TypeError(`${this.#name}: ${problem}`), 'badInput');
      if (call.signal?.aborted) return this.#refuse(call.signal.reason, 'abort');
      priority = call.priority ?? 0;
    }
    if (options.input !== undefined) {
      const problem = options.input(item);
      if (problem !== undefined)
        return this.#refuse(new TypeError(`${this.#name}: the input check failed: ${problem}`), 'badInput');
    }
    let cost = 0;
    let key: string | number | undefined;
    if (options.cost !== undefined || options.partitionBy !== undefined) {
      try {
        cost = costOf(item, options, this.#name);
        key = partitionKeyOf(item, options, this.#name);
      } catch (error) {
        return this.#refuse(error, 'badInput');
      }
    }
    if (this.#queue.size >= options.maxQueueSize) {
      return this.#refuse(
        new QueueFullError(`${this.#name}: the queue is full (maxQueueSize: ${options.maxQueueSize}); try again later`),
        'queueFull',
      );
    }
    // A call's own timeout wins over the option; Infinity means no deadline for this call.
    let timeout = call?.timeout ?? options.timeout;
    if (timeout === Infinity) timeout = undefined;
    // The exact clock is read at most once per call, and only when something needs it: a
    // deadline, a fixed window (which must start at the call, contract §3), or 'auto' (which
    // watches arrival gaps). With `delay: 0` the stamp only dates the call for `onBatch`, and
    // the turn's cached stamp serves: a clock read costs as much as the rest of a call's bookkeeping.
    let at = -1;
    let deadlineAt = Infinity;
    if (timeout !== undefined) {
      at = exactNow();
      deadlineAt = at + timeout;
      const refusal = this.#overload.refusal(at, deadlineAt, key, cost);
      if (refusal !== undefined) return this.#refuse(refusal, 'shed');
    }
    if (at < 0 && options.delay !== 0) at = exactNow();

    const entry = new Entry(item, ++this.#seq, at < 0 ? turnNow() : Math.floor(at), cost);
    entry.deadlineAt = deadlineAt;
    const promise = promiseFor(entry) as Promise<O>;
    const partition = this.#queue.add(entry, key, priority);
    this.#auto?.arrived(at);
    if (call?.meta !== undefined) this.#metas.set(entry, call.meta);
    if (call?.signal !== undefined || timeout !== undefined) this.#watch(entry, call?.signal, timeout);
    // Only these change what the pump would do: a new oldest item, a full batch, a new turn to
    // mark. (A new key's first item is the newest of all: it moves no timer.)
    if (
      this.#queue.size === 1 ||
      partition.isFull(options) ||
      (this.#waitsForTurnEnd() && this.#immediate === undefined)
    ) {
      this.#pump();
    }
    return promise;
  }

  flush(): void {
    this.#dueSeq = this.#seq;
    this.#flushedSeq = this.#seq;
    this.#pump();
  }

  drain(): Promise<void> {
    // Waits for calls (queued or running) and for batch methods still running: a method whose
    // callers have all gone still holds the model until it returns.
    const pending: { drains: Drain[] | undefined }[] = [...this.#queue.queued()];
    for (const batch of this.#runningBatches) {
      pending.push(batch);
      for (const entry of batch.entries) if (entry.state !== SETTLED) pending.push(entry);
    }
    if (pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const drain: Drain = { remaining: pending.length, resolve };
      for (const waited of pending) (waited.drains ??= []).push(drain);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#pump();
    // A drain waits for what is queued or running now; a batch dispatched later (its slot was
    // busy) is awaited by the next round. No new call can come, so the rounds end.
    do await this.drain();
    while (this.#runningBatches.size > 0 || this.#queue.size > 0);
  }

  stats(): BatcherStats {
    return {
      queued: this.#queue.size,
      partitions: this.#queue.partitionCount,
      running: this.#runningBatches.size,
      batches: this.#batches,
      items: this.#items,
      resolved: this.#resolved,
      rejected: this.#rejections.total,
      meanBatchSize: this.#batches === 0 ? 0 : this.#items / this.#batches,
      batchSizes: Object.fromEntries(this.#batchSizes),
      ...(this.#auto === undefined ? {} : { auto: this.#auto.stats() }),
      rejectedBy: this.#rejections.byReason(),
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
    this.#auto = options.delay === 'auto' ? (this.#auto ?? new AutoPolicy()) : undefined;
    this.#overload.configure(options);
    // Queued items keep the cost and key they arrived with; one that no longer fits any batch
    // would wait forever, so it leaves now, as it would have been refused on arrival. All of
    // them leave before the pump below, so none can be dispatched under the new budget.
    const tooCostly = [...this.#queue.queued()].filter((entry) => entry.cost > options.maxBatchCost);
    for (const entry of tooCostly) {
      const message = `${this.#name}: the item's cost ${entry.cost} is above maxBatchCost ${options.maxBatchCost} (changed by configure), so it can never fit in a batch`;
      this.#settle(entry, new RangeError(message), 'badInput');
    }
    this.#clearTimers();
    this.#pump();
  }

  // ---- when a batch goes ----------------------------------------------------------------

  #waitsForTurnEnd(): boolean {
    return this.#options.delay === 0 || this.#options.delay === 'auto';
  }

  /** contract §3: a partition's batch goes when full, or when its oldest item's window is over. */
  readonly #isDue = (partition: Partition, oldest: Entry<unknown>): boolean => {
    const options = this.#options;
    const { delay } = options;
    return (
      this.#closed ||
      partition.isFull(options) ||
      oldest.seq <= this.#dueSeq ||
      (typeof delay === 'number' && delay > 0 && now() - oldest.enqueuedAt >= delay)
    );
  };

  readonly #isFull = (partition: Partition): boolean => partition.isFull(this.#options);

  /** Dispatches every batch that is due while slots are free, then arms the timer for the rest. */
  #pump(): void {
    const { concurrency } = this.#options;
    while (this.#runningBatches.size < concurrency && this.#queue.size > 0) {
      // Of the due partitions, the one that has waited longest goes first.
      let partition = this.#queue.oldest(this.#isDue);
      if (partition === undefined) break;
      if (this.#waitsForCompany(partition)) {
        // It waits for company; a full batch of another key never waits (contract §5).
        partition = this.#queue.oldest(this.#isFull);
        if (partition === undefined) {
          this.#autoWaits = true; // the turn-end hop below asks again
          break;
        }
      }
      this.#dispatch(partition);
    }
    this.#armTimer();
  }

  /** 'auto' only: a batch that could go now waits a turn for company when the policy says so. */
  #waitsForCompany(partition: Partition): boolean {
    if (this.#auto === undefined || this.#closed || partition.isFull(this.#options)) return false;
    const oldest = partition.oldest()!;
    return oldest.seq > this.#flushedSeq && this.#auto.shouldWait(exactNow(), oldest.enqueuedAt);
  }

  #armTimer(): void {
    if (this.#queue.size === 0) return this.#clearTimers();
    if (this.#waitsForTurnEnd()) {
      const turnNeeded = this.#seq > this.#dueSeq || this.#autoWaits;
      if (turnNeeded && this.#immediate === undefined) this.#immediate = nextTurn(this.#onTurnEnd);
      return;
    }
    // While every slot is busy no timer is needed: the slot that frees pumps.
    if (this.#runningBatches.size >= this.#options.concurrency) return this.#clearTimers();
    // Every key has the same window, so the oldest item of all is the next to fall due.
    const front = this.#queue.oldest()!.oldest()!;
    if (this.#timer !== undefined && this.#timerSeq === front.seq) return;
    this.#clearTimers();
    this.#timerSeq = front.seq;
    const wait = front.enqueuedAt + (this.#options.delay as number) - now();
    this.#timer = setTimeout(this.#onDelay, Math.max(0, wait));
  }

  readonly #onDelay = (): void => {
    this.#timer = undefined;
    // The timer may fire a hair before the clock agrees; its item is due either way.
    if (this.#timerSeq > this.#dueSeq) this.#dueSeq = this.#timerSeq;
    this.#pump();
  };

  readonly #onTurnEnd = (): void => {
    this.#immediate = undefined;
    this.#autoWaits = false;
    this.#dueSeq = this.#seq;
    this.#pump();
  };

  #clearTimers(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#immediate?.cancel();
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  // ---- running a batch -------------------------------------------------------------------

  #dispatch(partition: Partition): void {
    const options = this.#options;
    const trigger = this.#triggerOf(partition);
    const startedAt = exactNow();
    const entries = this.#take(partition, startedAt) as Entry<I>[];
    const size = entries.length;
    if (size === 0) return; // every item was shed
    let work = size;
    if (options.cost !== undefined) {
      work = 0;
      for (let i = 0; i < size; i++) work += entries[i]!.cost;
    }
    const batch = new RunningBatch(entries, options, startedAt - entries[0]!.enqueuedAt, startedAt, work, trigger);
    // Indexed loops on the per-item paths: a for-of that runs before the optimizing compiler
    // has seen it allocates an iterator result per item (measured: 40 B per call).
    const items = new Array<I>(size);
    for (let i = 0; i < size; i++) {
      const entry = entries[i]!;
      entry.state = RUNNING;
      entry.batch = batch;
      items[i] = entry.item;
    }
    this.#runningBatches.add(batch);
    this.#auto?.started(batch.queuedMs);
    this.#batches++;
    this.#items += size;
    this.#batchSizes.set(size, (this.#batchSizes.get(size) ?? 0) + 1);
    if (options.batchTimeout !== undefined) {
      batch.timer = setTimeout(() => this.#timeOut(batch), options.batchTimeout);
    }

    let result: unknown;
    try {
      result = this.#fn.call(this.#thisArg, items, batch.context);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the method's own throw, passed on
      result = Promise.reject(error);
    }
    // Always settle in a later microtask, so a synchronous method cannot re-enter the pump.
    Promise.resolve(result)
      .then(
        (value) => this.#complete(batch, value),
        (error: unknown) => this.#fail(batch, error, 'batchError'),
      )
      .catch((error: unknown) => this.#settleAbandoned(batch, error));
  }

  /**
   * The last guard of the fan-out: if settling a batch threw anyway (a step nobody foresaw),
   * every caller of it still settles, its slot frees and nothing is left unhandled.
   */
  #settleAbandoned(batch: RunningBatch, cause: unknown): void {
    const error = new BatchContractError(`${this.#name}: settling a batch failed: ${messageOf(cause)}`, { cause });
    if (!batch.done) this.#endBatch(batch);
    for (let i = 0; i < batch.entries.length; i++) this.#settle(batch.entries[i]!, error, 'contract');
    this.#pump();
  }

  /** Why the partition's batch leaves now (contract §10): asked before it is taken. */
  #triggerOf(partition: Partition): BatchTrigger {
    if (partition.isFull(this.#options)) return 'full';
    if (this.#closed) return 'close';
    if (partition.oldest()!.seq <= this.#flushedSeq) return 'flush';
    return this.#waitsForTurnEnd() ? 'turn' : 'window';
  }

  /** The next batch of a partition; with `shed`, the items that cannot make their deadline are told so instead. */
  #take(partition: Partition, at: number): Entry<unknown>[] {
    const formed = this.#overload.formBatch(partition, at);
    if (formed === undefined) return this.#queue.take(partition, this.#options);
    for (const { entry, error } of formed.shed) this.#settle(entry, error, 'shed');
    return formed.batch;
  }

  /** Fans the results out: result `i` goes to caller `i`. */
  #complete(batch: RunningBatch, results: unknown): void {
    if (batch.done) return;
    const size = batch.entries.length;
    const got = notOneResultPerItem(results, size);
    if (got !== undefined) {
      const message = `${this.#name} returned ${got} for a batch of ${plural(size, 'item')}; expected an array with one result per item, in order`;
      return this.#fail(batch, new BatchContractError(message), 'contract');
    }
    this.#endBatch(batch);
    this.#overload.record(batch.work, batch.runMs);
    const { output } = batch.options;
    for (let i = 0; i < size; i++) {
      const entry = batch.entries[i]!;
      if (entry.state === SETTLED) continue; // its caller left; the result is dropped
      let result: unknown;
      try {
        result = (results as unknown[])[i];
      } catch (cause) {
        this.#settle(
          entry,
          new BatchContractError(`${this.#name}: reading result ${i} threw: ${messageOf(cause)}`, { cause }),
          'contract',
        );
        continue;
      }
      if (isError(result)) {
        this.#settle(entry, result, 'resultError');
        continue;
      }
      const problem = output?.(result);
      if (problem === undefined) this.#settle(entry, result);
      else
        this.#settle(
          entry,
          new BatchContractError(`${this.#name}: result ${i} failed the output check: ${problem}`),
          'contract',
        );
    }
    this.#report(batch, undefined);
    this.#pump();
  }

  /** The whole batch failed: every caller still waiting gets the same error. */
  #fail(batch: RunningBatch, error: unknown, why: RejectionReason): void {
    if (batch.done) return;
    this.#endBatch(batch);
    const { entries } = batch;
    for (let i = 0; i < entries.length; i++) this.#settle(entries[i]!, error, why);
    this.#report(batch, error);
    this.#pump();
  }

  #timeOut(batch: RunningBatch): void {
    const { batchTimeout } = batch.options;
    const error = new BatchTimeoutError(
      `${this.#name}: a batch of ${plural(batch.entries.length, 'item')} ran longer than batchTimeout (${batchTimeout} ms)`,
    );
    LazyBatchContext.abort(batch.context, error);
    this.#fail(batch, error, 'batchTimeout');
  }

  #endBatch(batch: RunningBatch): void {
    batch.done = true;
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    this.#runningBatches.delete(batch);
    // One reading, so that onBatch reports the run time that 'auto' learns from.
    batch.runMs = exactNow() - batch.startedAt;
    this.#auto?.finished(batch.entries.length, batch.runMs, this.#queue.size > 0);
    releaseDrains(batch.drains);
    batch.drains = undefined;
  }

  #report(batch: RunningBatch, error: unknown): void {
    const { onBatch } = batch.options;
    if (onBatch === undefined) return;
    const event: BatchEvent = {
      size: batch.entries.length,
      queuedMs: batch.queuedMs,
      runMs: batch.runMs,
      startedAt: performance.timeOrigin + batch.startedAt,
      items: batch.entries.map((entry) => ({
        queuedMs: Math.max(0, batch.startedAt - entry.enqueuedAt),
        meta: this.#metas.get(entry),
      })),
      trigger: batch.trigger,
      ...(error === undefined ? {} : { error }),
    };
    try {
      onBatch(event);
    } catch (hookError) {
      this.#warnOnce(`${this.#name}: the onBatch hook threw (the batcher goes on): ${messageOf(hookError)}`);
    }
  }

  #warnOnce(message: string): void {
    if (this.#warnedAboutHook) return;
    this.#warnedAboutHook = true;
    warn(message, 'BatchedWarning');
  }

  // ---- settling one call -----------------------------------------------------------------

  #refuse(reason: unknown, why: RejectionReason): Promise<never> {
    this.#rejections.count(why);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- may be a caller's signal.reason, passed on
    return Promise.reject(reason);
  }

  /** Rejects the call when its signal aborts or its deadline passes, wherever it is then. */
  #watch(entry: Entry<unknown>, signal: AbortSignal | undefined, timeout: number | undefined): void {
    const onAbort = (): void => this.#leave(entry, signal!.reason, 'abort');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(
            () =>
              this.#leave(entry, new TimeoutError(`${this.#name}: the call timed out after ${timeout} ms`), 'timeout'),
            timeout,
          );
    entry.detach = () => {
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    };
  }

  /** A caller leaves early (abort, deadline); a queued item leaving may change what is due. */
  #leave(entry: Entry<unknown>, reason: unknown, why: RejectionReason): void {
    const wasQueued = entry.state === QUEUED;
    this.#settle(entry, reason, why);
    if (wasQueued) this.#pump(); // the oldest item may have changed, or the queue emptied
  }

  /** The only place a call settles; a second settle of the same call is a no-op. */
  /** With no `why`, the call resolves with `value`; with one, it rejects with `value`, counted under `why`. */
  #settle(entry: Entry<unknown>, value: unknown, why?: RejectionReason): void {
    if (entry.state === SETTLED) return;
    const wasQueued = entry.state === QUEUED;
    entry.state = SETTLED;
    if (entry.detach !== undefined) {
      entry.detach();
      entry.detach = undefined;
    }
    if (why === undefined) {
      this.#resolved++;
      entry.resolve(value);
    } else {
      this.#rejections.count(why);
      entry.reject(value);
    }
    if (entry.drains !== undefined) {
      releaseDrains(entry.drains);
      entry.drains = undefined;
    }
    const batch = entry.batch;
    entry.batch = undefined;
    if (wasQueued) {
      this.#queue.remove(entry);
    } else if (batch !== undefined && --batch.live === 0 && !batch.done) {
      // Every caller has gone: let the method stop early. Its batchTimeout may still free
      // the slot, but must not keep the process alive now that no call waits on it.
      LazyBatchContext.abort(batch.context, value);
      batch.timer?.unref?.();
    }
  }
}
