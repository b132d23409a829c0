// How a server answers when a batched call fails: the library's errors carry the meaning, so
// the status follows from the class, never from parsing a message.
import { BatcherClosedError, BatchTimeoutError, OverloadedError, QueueFullError, TimeoutError } from 'batched-fn';

/** The HTTP status for an error thrown by a batched call. */
export function statusFor(error: unknown): number {
  // Shed load or shutting down: a load balancer retries a 503 on another replica.
  if (error instanceof QueueFullError || error instanceof OverloadedError || error instanceof BatcherClosedError)
    return 503;
  if (error instanceof TimeoutError || error instanceof BatchTimeoutError) return 504;
  if (error instanceof TypeError) return 400; // the `input` check refused the request's data
  return 500;
}

/** The JSON body sent with that status. */
export function errorBody(error: unknown): { error: string } {
  return { error: error instanceof Error ? error.message : String(error) };
}

/**
 * Headers sent with that status: a shed call says when to come back (`Retry-After`, in whole
 * seconds, at least 1), from what the batcher predicted; none when no retry can succeed.
 */
export function headersFor(error: unknown): Record<string, string> {
  // Infinity: no retry can succeed with the same deadline, so there is no time to send.
  if (error instanceof OverloadedError && Number.isFinite(error.retryAfterMs))
    return { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1_000))) };
  return {};
}
