/**
 * Every error that batched-fn creates extends {@link BatchedError} and carries a stable
 * `code`, so a server can map failures without parsing messages.
 *
 * @example
 * ```ts
 * try { await model.predict(x); }
 * catch (err) { if (err instanceof QueueFullError) reply.code(503); else throw err; }
 * ```
 */
export class BatchedError extends Error {
  /** A stable, machine-readable code such as `ERR_QUEUE_FULL`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The batch method broke the batch contract: it returned something other than an array
 * with one result per item, or a result failed the `output` check.
 *
 * Code: `ERR_BATCH_CONTRACT`.
 *
 * @example
 * ```ts
 * // predict([a, b]) returned [ya] → both callers reject with:
 * // BatchContractError: Model.predict returned an array of length 1 for a batch of 2 items; expected one result per item
 * ```
 */
export class BatchContractError extends BatchedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_BATCH_CONTRACT', message, options);
  }
}

/**
 * The queue already held `maxQueueSize` items; the call was refused at once.
 * A server maps it to HTTP 503. Code: `ERR_QUEUE_FULL`.
 *
 * @example
 * ```ts
 * if (err instanceof QueueFullError) reply.code(503).send({ error: err.message });
 * ```
 */
export class QueueFullError extends BatchedError {
  constructor(message: string) {
    super('ERR_QUEUE_FULL', message);
  }
}

/**
 * The call's deadline (`call.timeout`, or the `timeout` option) passed before it settled.
 * A server maps it to HTTP 504. Code: `ERR_TIMEOUT`.
 *
 * @example
 * ```ts
 * await model.predict(x, { timeout: 200 }); // rejects with TimeoutError after 200 ms
 * ```
 */
export class TimeoutError extends BatchedError {
  constructor(message: string) {
    super('ERR_TIMEOUT', message);
  }
}

/**
 * The batch ran longer than `batchTimeout`; its callers were rejected and its slot freed.
 * Code: `ERR_BATCH_TIMEOUT`.
 *
 * @example
 * ```ts
 * @Batched({ batchTimeout: 5_000 }) // a hung model rejects its callers after 5 s
 * ```
 */
export class BatchTimeoutError extends BatchedError {
  constructor(message: string) {
    super('ERR_BATCH_TIMEOUT', message);
  }
}

/**
 * The batcher was closed with `close()`; it takes no new calls. Code: `ERR_BATCHER_CLOSED`.
 *
 * @example
 * ```ts
 * await batcherOf(model, 'predict').close();
 * await model.predict(x); // rejects with BatcherClosedError
 * ```
 */
export class BatcherClosedError extends BatchedError {
  constructor(message: string) {
    super('ERR_BATCHER_CLOSED', message);
  }
}

/**
 * With `shed: true`, the batcher predicted that the call would be answered after its deadline,
 * so it refused it before it ran: on arrival, or when its batch was formed. A server maps it
 * to HTTP 503 with a `Retry-After` header from `retryAfterMs`, so a load balancer can retry
 * the request on another replica. Code: `ERR_OVERLOADED`.
 *
 * @example
 * ```ts
 * if (err instanceof OverloadedError && Number.isFinite(err.retryAfterMs))
 *   reply.header('retry-after', Math.max(1, Math.ceil(err.retryAfterMs / 1_000)));
 * ```
 */
export class OverloadedError extends BatchedError {
  /**
   * The predicted time, in ms, after which a call with the same time left would be admitted;
   * `Infinity` when no retry can succeed (alone on an idle model it would miss its deadline).
   */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super('ERR_OVERLOADED', message);
    this.retryAfterMs = retryAfterMs;
  }
}
