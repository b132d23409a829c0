import { exactNow, turnNow as now } from './clock.js';
import { describeValue, isError, plural } from './describe.js';
import { type Drain, Entry, promiseFor, QUEUED, releaseDrains, RUNNING, SETTLED } from './entry.js';
import { BatchContractError, BatcherClosedError, BatchTimeoutError, QueueFullError, TimeoutError } from './errors.js';
import {
  messageOf,
  optionProblem,
  mergeOptions,
  resolveOptions,
  type BatchedOptions,
  type ResolvedOptions,
} from './options.js';
import { LazyBatchContext, RunningBatch } from './running-batch.js';
import type { BatchContext, BatcherControls, BatcherStats, CallOptions } from './types.js';

/** A batch method as the engine calls it: one result (or `Error`) per item, in order. */
export type BatchFn<I, O> = (
  this: unknown,
  batch: I[],
  context: BatchContext,
) => readonly (O | Error)[] | PromiseLike<readonly (O | Error)[]>;

/** Past this many dispatched entries at the front, the queue array is compacted. */
const COMPACT_AFTER = 1024;

/**
 * The batching engine: gathers single calls into batches, runs at most `concurrency` of
 * them at once and fans each result out to its caller. It knows nothing of decorators.
 *
 * Invariants: an item is QUEUED, RUNNING or SETTLED and only moves forward; every call
 * settles exactly once (`#settle` is the only place that resolves or rejects); the queue
 * keeps arrival order, and items that leave it early stay behind as tombstones until the
 * front passes them, so removal is O(1).
 */
export class Batcher<I, O> implements BatcherControls<I, O> {
  readonly #fn: BatchFn<I, O>;
  readonly #thisArg: unknown;
  /** `Class.method`, for error messages. */
  readonly #name: string;
  #options: ResolvedOptions;

  #queue: Entry<I>[] = [];
  #head = 0;
  #queued = 0;
  /** Sequence number of the last call enqueued. */
  #seq = 0;
  /** Items with `seq <= #dueSeq` may be dispatched now: their wait ended, or `flush()` asked. */
  #dueSeq = 0;
  #closed = false;

  readonly #runningBatches = new Set<RunningBatch>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  /** The item the delay timer waits for. */
  #timerSeq = 0;

  #batches = 0;
  #items = 0;
  #resolved = 0;
  #rejected = 0;
  readonly #batchSizes: Record<number, number> = {};
  #warnedAboutHook = false;

  constructor(fn: BatchFn<I, O>, options: ResolvedOptions, name: string, thisArg?: unknown) {
    this.#fn = fn;
    this.#options = options;
    this.#name = name;
    this.#thisArg = thisArg;
  }

  /** Queues one item; the promise settles with its own result. */
  call(item: I, call?: CallOptions): Promise<O> {
    const options = this.#options;
    if (this.#closed) return this.#refuse(new BatcherClosedError(`${this.#name} is closed and takes no new calls`));
    if (call !== undefined) {
      const problem = checkCallOptions(call);
      if (problem !== undefined) return this.#refuse(new TypeError(`${this.#name}: ${problem}`));
      if (call.signal?.aborted) return this.#refuse(call.signal.reason);
    }
    if (options.input !== undefined) {
      const problem = options.input(item);
      if (problem !== undefined)
        return this.#refuse(new TypeError(`${this.#name}: the input check failed: ${problem}`));
    }
    if (this.#queued >= options.maxQueueSize) {
      return this.#refuse(
        new QueueFullError(`${this.#name}: the queue is full (maxQueueSize: ${options.maxQueueSize}); try again later`),
      );
    }

    const entry = new Entry(item, ++this.#seq, now());
    const promise = promiseFor(entry) as Promise<O>;
    this.#queue.push(entry);
    this.#queued++;
    // A call's own timeout wins over the option; Infinity means no deadline for this call.
    let timeout = call?.timeout ?? options.timeout;
    if (timeout === Infinity) timeout = undefined;
    if (call?.signal !== undefined || timeout !== undefined) this.#watch(entry, call?.signal, timeout);
    // Only these change what the pump would do: a new front, a full batch, a new turn to mark.
    if (
      this.#queued === 1 ||
      this.#queued >= options.maxBatchSize ||
      (this.#waitsForTurnEnd() && this.#immediate === undefined)
    ) {
      this.#pump();
    }
    return promise;
  }

  flush(): void {
    this.#dueSeq = this.#seq;
    this.#pump();
  }

  drain(): Promise<void> {
    // Waits for calls (queued or running) and for batch methods still running: a method whose
    // callers have all gone still holds the model until it returns.
    const pending: { drains: Drain[] | undefined }[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const entry = this.#queue[i]!;
      if (entry.state === QUEUED) pending.push(entry);
    }
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

  close(): Promise<void> {
    this.#closed = true;
    this.#pump();
    return this.drain();
  }

  stats(): BatcherStats {
    return {
      queued: this.#queued,
      running: this.#runningBatches.size,
      batches: this.#batches,
      items: this.#items,
      resolved: this.#resolved,
      rejected: this.#rejected,
      meanBatchSize: this.#batches === 0 ? 0 : this.#items / this.#batches,
      batchSizes: { ...this.#batchSizes },
    };
  }

  configure(partial: BatchedOptions<I, O>): void {
    this.#options = resolveOptions(mergeOptions(this.#options.given, partial));
    this.#clearTimers();
    this.#pump();
  }

  // ---- the queue -------------------------------------------------------------------------

  /** The first item still queued, skipping tombstones. */
  #front(): Entry<I> | undefined {
    const queue = this.#queue;
    while (this.#head < queue.length && queue[this.#head]!.state !== QUEUED) this.#head++;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
      return undefined;
    }
    if (this.#head > COMPACT_AFTER && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    return this.#queue[this.#head];
  }

  #waitsForTurnEnd(): boolean {
    return this.#options.delay === 0 || this.#options.delay === 'auto';
  }

  #isDue(front: Entry<I>): boolean {
    const { delay, maxBatchSize } = this.#options;
    return (
      this.#closed ||
      this.#queued >= maxBatchSize ||
      front.seq <= this.#dueSeq ||
      (typeof delay === 'number' && delay > 0 && now() - front.enqueuedAt >= delay)
    );
  }

  /** Dispatches every batch that is due while slots are free, then arms the timer for the rest. */
  #pump(): void {
    const { concurrency } = this.#options;
    while (this.#runningBatches.size < concurrency && this.#queued > 0) {
      if (!this.#isDue(this.#front()!)) break;
      this.#dispatch();
    }
    this.#armTimer();
  }

  #armTimer(): void {
    if (this.#queued === 0) return this.#clearTimers();
    if (this.#waitsForTurnEnd()) {
      if (this.#seq > this.#dueSeq && this.#immediate === undefined) this.#immediate = setImmediate(this.#onTurnEnd);
      return;
    }
    // While every slot is busy no timer is needed: the slot that frees pumps.
    if (this.#runningBatches.size >= this.#options.concurrency) return this.#clearTimers();
    const front = this.#front()!;
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
    this.#dueSeq = this.#seq;
    this.#pump();
  };

  #clearTimers(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  // ---- running a batch -------------------------------------------------------------------

  #dispatch(): void {
    const options = this.#options;
    const entries: Entry<I>[] = [];
    const items: I[] = [];
    while (entries.length < options.maxBatchSize) {
      const entry = this.#front();
      if (entry === undefined) break;
      this.#head++;
      entry.state = RUNNING;
      entries.push(entry);
      items.push(entry.item);
    }
    this.#queued -= entries.length;
    const startedAt = exactNow();
    const batch = new RunningBatch(entries, options, startedAt - entries[0]!.enqueuedAt, startedAt);
    for (const entry of entries) entry.batch = batch;
    this.#runningBatches.add(batch);
    this.#batches++;
    this.#items += entries.length;
    this.#batchSizes[entries.length] = (this.#batchSizes[entries.length] ?? 0) + 1;
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
    Promise.resolve(result).then(
      (value) => this.#complete(batch, value),
      (error: unknown) => this.#fail(batch, error),
    );
  }

  /** Fans the results out: result `i` goes to caller `i`. */
  #complete(batch: RunningBatch, results: unknown): void {
    if (batch.done) return;
    const size = batch.entries.length;
    if (!Array.isArray(results) || results.length !== size) {
      const got = Array.isArray(results) ? `an array of length ${results.length}` : describeValue(results);
      const message = `${this.#name} returned ${got} for a batch of ${plural(size, 'item')}; expected an array with one result per item, in order`;
      return this.#fail(batch, new BatchContractError(message));
    }
    this.#endBatch(batch);
    const { output } = batch.options;
    for (let i = 0; i < size; i++) {
      const entry = batch.entries[i]!;
      if (entry.state === SETTLED) continue; // its caller left; the result is dropped
      let result: unknown;
      try {
        result = results[i];
      } catch (cause) {
        this.#settle(
          entry,
          false,
          new BatchContractError(`${this.#name}: reading result ${i} threw: ${messageOf(cause)}`, { cause }),
        );
        continue;
      }
      if (isError(result)) {
        this.#settle(entry, false, result);
        continue;
      }
      const problem = output?.(result);
      if (problem === undefined) this.#settle(entry, true, result);
      else
        this.#settle(
          entry,
          false,
          new BatchContractError(`${this.#name}: result ${i} failed the output check: ${problem}`),
        );
    }
    this.#report(batch, undefined);
    this.#pump();
  }

  /** The whole batch failed: every caller still waiting gets the same error. */
  #fail(batch: RunningBatch, error: unknown): void {
    if (batch.done) return;
    this.#endBatch(batch);
    for (const entry of batch.entries) this.#settle(entry, false, error);
    this.#report(batch, error);
    this.#pump();
  }

  #timeOut(batch: RunningBatch): void {
    const { batchTimeout } = batch.options;
    const error = new BatchTimeoutError(
      `${this.#name}: a batch of ${plural(batch.entries.length, 'item')} ran longer than batchTimeout (${batchTimeout} ms)`,
    );
    LazyBatchContext.abort(batch.context, error);
    this.#fail(batch, error);
  }

  #endBatch(batch: RunningBatch): void {
    batch.done = true;
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    this.#runningBatches.delete(batch);
    releaseDrains(batch.drains);
    batch.drains = undefined;
  }

  #report(batch: RunningBatch, error: unknown): void {
    const { onBatch } = batch.options;
    if (onBatch === undefined) return;
    const event = {
      size: batch.entries.length,
      queuedMs: batch.queuedMs,
      runMs: exactNow() - batch.startedAt,
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
    process.emitWarning(message, 'BatchedWarning');
  }

  // ---- settling one call -----------------------------------------------------------------

  #refuse(reason: unknown): Promise<never> {
    this.#rejected++;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- may be a caller's signal.reason, passed on
    return Promise.reject(reason);
  }

  /** Rejects the call when its signal aborts or its deadline passes, wherever it is then. */
  #watch(entry: Entry<unknown>, signal: AbortSignal | undefined, timeout: number | undefined): void {
    const onAbort = (): void => this.#settle(entry, false, signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(
            () => this.#settle(entry, false, new TimeoutError(`${this.#name}: the call timed out after ${timeout} ms`)),
            timeout,
          );
    entry.detach = () => {
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    };
  }

  /** The only place a call settles; a second settle of the same call is a no-op. */
  #settle(entry: Entry<unknown>, ok: boolean, value: unknown): void {
    if (entry.state === SETTLED) return;
    const wasQueued = entry.state === QUEUED;
    entry.state = SETTLED;
    if (entry.detach !== undefined) {
      entry.detach();
      entry.detach = undefined;
    }
    if (ok) {
      this.#resolved++;
      entry.resolve(value);
    } else {
      this.#rejected++;
      entry.reject(value);
    }
    if (entry.drains !== undefined) {
      releaseDrains(entry.drains);
      entry.drains = undefined;
    }
    const batch = entry.batch;
    entry.batch = undefined;
    if (wasQueued) {
      this.#queued--;
      this.#pump(); // the front may have changed, or the queue emptied
    } else if (batch !== undefined && --batch.live === 0 && !batch.done) {
      // Every caller has gone: let the method stop early. Its batchTimeout may still free
      // the slot, but must not keep the process alive now that no call waits on it.
      LazyBatchContext.abort(batch.context, value);
      batch.timer?.unref?.();
    }
  }
}

/** Why the per-call options are unusable, or undefined when they are fine. */
function checkCallOptions(call: unknown): string | undefined {
  if (typeof call !== 'object' || call === null)
    return `Expected call options to be an object, got ${describeValue(call)}`;
  const { signal, timeout } = call as CallOptions;
  if (signal !== undefined && !isAbortSignal(signal)) {
    return `Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`;
  }
  // The same rule, and message, as the `timeout` option.
  return timeout === undefined ? undefined : optionProblem('timeout', timeout);
}

/** Duck-typed, so that a signal from another realm (a jest sandbox, a polyfill) is accepted. */
function isAbortSignal(value: unknown): value is AbortSignal {
  const signal = value as Partial<AbortSignal> | null;
  return (
    typeof signal === 'object' &&
    signal !== null &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function'
  );
}
