/**
 * The per-call options: the second argument of the per-item method.
 *
 * @example
 * ```ts
 * await model.predict(x, { signal: request.signal, timeout: 2_000 });
 * ```
 */
export interface CallOptions {
  /**
   * Aborting it rejects the call with `signal.reason`; a queued item never runs.
   * @default undefined (the call cannot be aborted)
   * @example `{ signal: AbortSignal.timeout(1_000) }`
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Deadline in ms for this call; overrides the `timeout` option. Rejects with `TimeoutError`.
   * `Infinity` means no deadline for this call, whatever the option says.
   * @default the batcher's `timeout` option
   * @example `{ timeout: 2_000 }`
   */
  readonly timeout?: number | undefined;
  /**
   * An integer; higher goes first. Within a partition a batch takes the highest-priority
   * items first, in arrival order within one priority. It changes who rides in the next
   * batch, never how long the oldest item may wait while a slot is free.
   * @default 0
   * @example `{ priority: request.headers['x-interactive'] ? 1 : 0 }`
   */
  readonly priority?: number | undefined;
  /**
   * Anything the caller wants to travel with its item to the `onBatch` hook (in
   * `event.items[i].meta`), such as its trace context; the library never reads it.
   * @default undefined
   * @example `{ meta: trace.getActiveSpan()?.spanContext() }`
   */
  readonly meta?: unknown;
}

/**
 * The second argument of the batch method.
 *
 * @example
 * ```ts
 * async predict(batch: Input[], { signal }: BatchContext) { return run(batch, { signal }); }
 * ```
 */
export interface BatchContext {
  /** Aborts when every caller of the batch has gone, or `batchTimeout` passed. */
  readonly signal: AbortSignal;
}

/**
 * The return type of a batch method that sits behind a per-item overload: a promise of one
 * result (or `Error`) per item. The `| O` only lets TypeScript accept the overload; returning
 * a lone result at run time rejects the batch with `BatchContractError`.
 *
 * The batch parameter is written as a type parameter, `<B extends Input[]>(batch: B)`:
 * TypeScript then accepts the per-item overload (it compares overloads with type parameters
 * erased), and inside the body `batch` is an array of inputs. See "Typed call sites" in the
 * README.
 *
 * @example
 * ```ts
 * class Model {
 *   predict(input: Input, call?: CallOptions): Promise<Output>;
 *   @Batched()
 *   async predict<B extends Input[]>(batch: B): BatchResults<Output> { return batch.map(run); }
 * }
 * ```
 */
export type BatchResults<O> = Promise<(O | Error)[] | O>;

/**
 * The old parameter type of a batch method behind a per-item overload.
 *
 * @deprecated It offers an item's own members on the batch (`I[] & I`); write the parameter
 * as a type parameter instead: `predict<B extends Input[]>(batch: B): BatchResults<Output>`.
 *
 * @example
 * ```ts
 * async predict(batch: Batch<Input>): BatchResults<Output> { return batch.map(run); }
 * ```
 */
export type Batch<I> = I[] & I;

/**
 * Counters of one batcher, from `stats()`.
 *
 * @example
 * ```ts
 * const { queued, running, meanBatchSize } = batcherOf(model, 'predict').stats();
 * ```
 */
export interface BatcherStats {
  /** Items waiting, not yet dispatched. */
  readonly queued: number;
  /** Partition keys with items waiting (without `partitionBy`: 1 while items wait, else 0). */
  readonly partitions: number;
  /** Batches running now. */
  readonly running: number;
  /** Batches dispatched so far. */
  readonly batches: number;
  /** Items dispatched so far. */
  readonly items: number;
  /** Calls resolved so far. */
  readonly resolved: number;
  /** Calls rejected so far (for any reason, including a full queue or a bad input). */
  readonly rejected: number;
  /** Calls that joined the slot of a queued call with an equal `key` (contract §11); 0 without `key`, and with `cache`. */
  readonly deduplicated: number;
  /** Calls that found their key in the `cache`: a kept value, or a pending result they joined; 0 without `cache`. */
  readonly cacheHits: number;
  /** For a streaming method: calls that joined a running batch between two steps (`join`, contract §12). */
  readonly joined?: number;
  /** `items / batches`, or 0 before the first batch. */
  readonly meanBatchSize: number;
  /** How many batches had each size: `{ 4: 10, 2: 1 }`. */
  readonly batchSizes: Readonly<Record<number, number>>;
  /** With `delay: 'auto'`, what it has learnt and how long it let the last batch wait. */
  readonly auto?: AutoStats;
  /** Calls rejected so far, by reason; the counts add up to `rejected`. */
  readonly rejectedBy: Readonly<Record<RejectionReason, number>>;
  /** What a batch costs, learnt from the batches that ran; absent until 3 batches have returned. */
  readonly latency?: LatencyStats;
  /**
   * The predicted time, in ms, from now until a call arriving now would be answered: the
   * batches running and queued ahead of it, its own window, then its own run (with
   * `partitionBy`, for a key with nothing queued). Absent until 3 batches have returned.
   * A readiness probe can take the replica out of rotation while it is high.
   */
  readonly predictedWaitMs?: number;
}

/**
 * Why a call was rejected, as counted in `stats().rejectedBy`:
 * `queueFull` (`QueueFullError`), `closed` (`BatcherClosedError`), `badInput` (the `input`
 * check, the call options, `cost` or `partitionBy` refused it), `timeout` (`TimeoutError`),
 * `abort` (its signal aborted), `shed` (`OverloadedError`), `batchError` (the batch method threw
 * or rejected), `batchTimeout` (`BatchTimeoutError`), `contract` (`BatchContractError`: a wrong
 * array, or a result that failed the `output` check) and `resultError` (the method returned an
 * `Error` in the call's slot).
 *
 * @example
 * ```ts
 * const { shed, timeout } = batcherOf(model, 'predict').stats().rejectedBy;
 * ```
 */
export type RejectionReason =
  | 'queueFull'
  | 'closed'
  | 'badInput'
  | 'timeout'
  | 'abort'
  | 'shed'
  | 'batchError'
  | 'batchTimeout'
  | 'contract'
  | 'resultError';

/**
 * What a batch costs, as the latency model has learnt it (`stats().latency`): a batch of `n`
 * items is predicted to run `baseMs + perItemMs · n` ms. With a `cost` function, `n` is the
 * batch's total cost and `perItemMs` is per unit of cost.
 *
 * @example
 * ```ts
 * const { baseMs, perItemMs } = batcherOf(model, 'predict').stats().latency ?? {};
 * ```
 */
export interface LatencyStats {
  /** The fixed part of a batch's run time, in ms. */
  readonly baseMs: number;
  /** What each item (or unit of cost) adds, in ms. */
  readonly perItemMs: number;
  /** Batches it has learnt from so far (it fits the most recent 32). */
  readonly samples: number;
}

/**
 * What `delay: 'auto'` has learnt, from `stats().auto`.
 *
 * @example
 * ```ts
 * const { meanRunMs, lastWaitMs } = batcherOf(model, 'predict').stats().auto ?? {};
 * ```
 */
export interface AutoStats {
  /** Moving mean of a batch's run time, in ms. */
  readonly meanRunMs: number;
  /** Moving mean of the batch size. */
  readonly meanBatchSize: number;
  /** How long the last batch's oldest item waited, in ms. */
  readonly lastWaitMs: number;
  /** The longest it will let an item wait for company now: half `meanRunMs`, at most 10 ms. */
  readonly maxWaitMs: number;
}

/**
 * Control of one batcher: `batcherOf(instance, 'method')`, or the members of the function
 * that `batched()` returns.
 *
 * @example
 * ```ts
 * process.on('SIGTERM', async () => { await batcherOf(model, 'predict').close(); process.exit(0); });
 * ```
 */
export interface BatcherControls<I = unknown, O = unknown> {
  /** Dispatches what is queued now, without waiting for the delay (slots permitting). */
  flush(): void;
  /**
   * Resolves when every call queued or running now has settled and every batch method
   * running now has returned (or passed its `batchTimeout`).
   */
  drain(): Promise<void>;
  /**
   * Refuses new calls, dispatches what is queued without waiting, and resolves when all of it
   * has settled and no batch method is running: releasing the model is then safe.
   */
  close(): Promise<void>;
  /** Counters; see {@link BatcherStats}. */
  stats(): BatcherStats;
  /**
   * Changes options from now on, validated as at decoration; a key given as `undefined` goes
   * back to its default. A running batch keeps its options.
   */
  configure(partial: import('./options.js').BatchedOptions<I, O>): void;
  /**
   * With `cache`: puts `value` in the cache for `key` if it holds none (a key pending or kept
   * is left as it is; an `Error` primes nothing). Without `cache` it throws a `TypeError`.
   */
  prime(key: unknown, value: O): this;
  /** With `cache`: forgets `key`, so its next call computes it. Without `cache` it throws a `TypeError`. */
  clear(key: unknown): this;
  /** With `cache`: forgets every key (a map of your own needs a `clear` method). Without `cache` it throws a `TypeError`. */
  clearAll(): this;
}
