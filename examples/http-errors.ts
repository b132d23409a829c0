// How a server answers when a batched call fails: the library's errors carry the meaning, so
// the status follows from the class, never from parsing a message.
import { BatcherClosedError, BatchTimeoutError, QueueFullError, TimeoutError } from 'batched-fn';

/** The HTTP status for an error thrown by a batched call. */
export function statusFor(error: unknown): number {
  if (error instanceof QueueFullError || error instanceof BatcherClosedError) return 503; // shed load / shutting down
  if (error instanceof TimeoutError || error instanceof BatchTimeoutError) return 504;
  if (error instanceof TypeError) return 400; // the `input` check refused the request's data
  return 500;
}

/** The JSON body sent with that status. */
export function errorBody(error: unknown): { error: string } {
  return { error: error instanceof Error ? error.message : String(error) };
}
