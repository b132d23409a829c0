// A client that hangs up before its answer is ready no longer needs it. Passing this signal
// as the call's `signal` takes a queued input out of the queue, so the model never runs it.
import type { ServerResponse } from 'node:http';

/** A signal that aborts if the connection closes before `response` was sent. */
export function abortOnHangUp(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}
