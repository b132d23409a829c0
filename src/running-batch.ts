import type { Taken } from './batch-queue.js';
import type { BatchEvent, BatchTrigger, ResolvedOptions } from './options.js';
import type { Drain } from './drains.js';
import type { BatchContext } from './types.js';

/**
 * The `{ signal }` the batch method receives. The AbortController is made only when the
 * method reads `signal` or the batch is abandoned, since most batches never need one.
 */
export class LazyBatchContext implements BatchContext {
  #controller: AbortController | undefined;
  /**
   * When the batch first answered its callers before it ended (a stream's first step). Not a
   * number field from the start: a double in every batch's context would be boxed in each.
   */
  #answeredAt: number | undefined = undefined;

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** Static so that the batch method, which holds the instance, cannot abort its own batch. */
  static abort(context: LazyBatchContext, reason: unknown): void {
    (context.#controller ??= new AbortController()).abort(reason);
  }

  /**
   * contract §12: a batch whose callers are answered before it ends (a streamed batch's first
   * step) says when, once: the latency model and 'auto' learn that time, not the whole run.
   */
  static answered(context: LazyBatchContext, at: number): void {
    context.#answeredAt ??= at;
  }

  static answeredAt(context: LazyBatchContext): number | undefined {
    return context.#answeredAt;
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
  /** Callers before this index have been settled by the fan-out (see `Dispatcher#settleAbandoned`). */
  fannedOut = 0;
  /** Drains waiting for the method to return; set only while someone drains. */
  drains: Drain[] | undefined = undefined;
  /** Its calls, counted when it left: the method may empty the items array it was given. */
  readonly size: number;
  /** What the batch method receives beside the items. */
  readonly context = new LazyBatchContext();

  constructor(
    readonly calls: Taken,
    readonly options: ResolvedOptions,
    readonly startedAt: number,
    /** Its size, or its total cost when the batcher has a `cost` function: what the latency model learns from. */
    readonly work: number,
    readonly trigger: BatchTrigger,
  ) {
    this.size = calls.items.length;
    this.live = this.size;
  }

  /** How long it took to first answer its callers, in ms: a streamed batch's first step; else undefined (its run). */
  get answeredMs(): number | undefined {
    const at = LazyBatchContext.answeredAt(this.context);
    return at === undefined ? undefined : at - this.startedAt;
  }

  /** How long its first call waited in the queue, in ms. */
  get queuedMs(): number {
    return this.startedAt - this.calls.firstStamp;
  }

  /**
   * A caller left early (abort, deadline). Once none is left the method may stop early: its
   * signal aborts, and its batchTimeout, which may still free the slot, no longer keeps the
   * process alive. Whether that caller was the last.
   */
  callerLeft(reason: unknown): boolean {
    if (--this.live > 0 || this.done) return false;
    this.abort(reason);
    this.timer?.unref?.();
    return true;
  }

  /** Lets a method that still runs stop early: its callers have all gone, or it timed out. */
  abort(reason: unknown): void {
    LazyBatchContext.abort(this.context, reason);
  }

  /** What `onBatch` is told of it once it has ended. */
  event(error: unknown): BatchEvent {
    const { firstStamp, stamps, records } = this.calls;
    return {
      size: this.size,
      queuedMs: this.queuedMs,
      runMs: this.runMs,
      startedAt: performance.timeOrigin + this.startedAt,
      items: Array.from({ length: this.size }, (_, i) => ({
        queuedMs: Math.max(0, this.startedAt - (stamps?.[i] ?? firstStamp)),
        meta: records?.[i]?.meta,
        callers: records?.[i]?.shared?.callersWhenDispatched ?? 1,
      })),
      trigger: this.trigger,
      ...(error === undefined ? {} : { error }),
    };
  }
}
