/**
 * Run a batch-hungry function (an ML model, a bulk database or API call) as if it took one
 * input at a time: `@Batched()` and `batched()` gather concurrent calls into batches, and
 * each caller gets its own result.
 *
 * @packageDocumentation
 */
export { Batched, batched, batcherOf, closeBatchers, getBatchedOptions } from './batched.js';
export type { BatchedDecorator, BatchedFunction, BatchedOptionsSpec, StreamingFunction } from './batched.js';
export { END, SKIP } from './stream-types.js';
export type { BatchStream, StreamContext } from './stream-types.js';
export type { BatchedOptions, BatchEvent, BatchEventItem, BatchTrigger, CacheMap } from './options.js';
export type { CheckSpec } from './checks.js';
export type {
  AutoStats,
  LatencyStats,
  RejectionReason,
  Batch,
  BatchContext,
  BatcherControls,
  BatcherStats,
  BatchResults,
  CallOptions,
} from './types.js';
export {
  BatchedError,
  BatchContractError,
  BatcherClosedError,
  BatchTimeoutError,
  OverloadedError,
  QueueFullError,
  TimeoutError,
} from './errors.js';
export { OPTIONS_METADATA_KEY } from './reflection.js';
export { timeLeft } from './time-left.js';
export type { HeadersLike, RequestHeaders } from './time-left.js';
