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
  readonly signal?: AbortSignal;
  /**
   * Deadline in ms for this call; overrides the `timeout` option. Rejects with `TimeoutError`.
   * @default the batcher's `timeout` option
   * @example `{ timeout: 2_000 }`
   */
  readonly timeout?: number;
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
 * The parameter type of a batch method that sits behind a per-item overload, so that
 * TypeScript accepts the overload (TS2394 otherwise). In the body it is used as `I[]`;
 * at run time it is a plain array. See "Typed call sites" in the README.
 *
 * @example
 * ```ts
 * class Model {
 *   predict(input: Input, call?: CallOptions): Promise<Output>;
 *   @Batched()
 *   async predict(batch: Batch<Input>): BatchResults<Output> { return batch.map(run); }
 * }
 * ```
 */
export type Batch<I> = I[] & I;

/**
 * The return type of a batch method that sits behind a per-item overload: a promise of one
 * result per item. The `| O` only lets TypeScript accept the overload; returning a lone
 * result at run time rejects the batch with `BatchContractError`.
 *
 * @example
 * ```ts
 * async embed(texts: Batch<string>): BatchResults<number[]> { return texts.map(embedOne); }
 * ```
 */
export type BatchResults<O> = Promise<O[] | O>;

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
  /** `items / batches`, or 0 before the first batch. */
  readonly meanBatchSize: number;
  /** How many batches had each size: `{ 4: 10, 2: 1 }`. */
  readonly batchSizes: Readonly<Record<number, number>>;
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
  /** Resolves when every call queued or running now has settled. */
  drain(): Promise<void>;
  /** Refuses new calls, dispatches what is queued without waiting, resolves when all of it has settled. */
  close(): Promise<void>;
  /** Counters; see {@link BatcherStats}. */
  stats(): BatcherStats;
  /** Changes options from now on, validated as at decoration; a running batch keeps its options. */
  configure(partial: import('./options.js').BatchedOptions<I, O>): void;
}
