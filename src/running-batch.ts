import type { Drain, Entry } from './entry.js';
import type { BatchTrigger, ResolvedOptions } from './options.js';
import type { BatchContext } from './types.js';

/**
 * The `{ signal }` the batch method receives. The AbortController is made only when the
 * method reads `signal` or the batch is abandoned, since most batches never need one.
 */
export class LazyBatchContext implements BatchContext {
  #controller: AbortController | undefined;

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** Static so that the batch method, which holds the instance, cannot abort its own batch. */
  static abort(context: LazyBatchContext, reason: unknown): void {
    (context.#controller ??= new AbortController()).abort(reason);
  }
}

/** A dispatched batch: its calls, the options it was dispatched with, and its timing. */
export class RunningBatch {
  /** Callers that have not settled yet; at 0 the batch's signal aborts. */
  live: number;
  /** Set once the batch has settled or timed out; a late result is then dropped. */
  done = false;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** How long the method ran, in ms, until it settled or `batchTimeout` fired; set when the batch ends. */
  runMs = 0;
  /** Drains waiting for the method to return; set only while someone drains. */
  drains: Drain[] | undefined = undefined;
  readonly context = new LazyBatchContext();

  constructor(
    readonly entries: Entry<unknown>[],
    readonly options: ResolvedOptions,
    readonly queuedMs: number,
    readonly startedAt: number,
    /** Its size, or its total cost when the batcher has a `cost` function: what the latency model learns from. */
    readonly work: number,
    readonly trigger: BatchTrigger,
  ) {
    this.live = entries.length;
  }
}
