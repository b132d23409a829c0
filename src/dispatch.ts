import type { AutoPolicy } from './auto-policy.js';
import type { Taken } from './batch-queue.js';
import { rejection, RUNNING, SETTLED } from './call-record.js';
import { exactNow } from './clock.js';
import { messageOf, plural } from './describe.js';
import { Drains } from './drains.js';
import { BatchContractError, BatchTimeoutError } from './errors.js';
import type { BatchTrigger, ResolvedOptions } from './options.js';
import type { OverloadControl } from './overload.js';
import { settleResult, wrongShape } from './results.js';
import { RunningBatch } from './running-batch.js';
import { warn } from './runtime.js';
import { rejectRest } from './settle.js';
import type { Tally } from './tally.js';
import type { BatchContext, RejectionReason } from './types.js';

/** A batch method as the engine calls it: one result (or `Error`) per item, in order. */
export type BatchFn<I, O> = (
  this: unknown,
  batch: I[],
  context: BatchContext,
) => readonly (O | Error)[] | PromiseLike<readonly (O | Error)[]>;

/**
 * What the dispatcher reads of its batcher, and how it hands the slot back: methods of the
 * batcher itself, not closures made per batcher (code that calls a closure is compiled against
 * that one function, and thrown away once its batcher is gone: measured, `#complete` was
 * deoptimized about once per benchmark round when these were closures).
 */
export interface DispatchHost {
  /** The batcher's 'auto' policy now, if it has one: it learns from every batch. */
  autoPolicy(): AutoPolicy | undefined;
  /** Whether calls are queued (for 'auto': did calls wait while the batch ran). */
  callsWaiting(): boolean;
  /** A batch's callers have all settled and its slot is free: drains may be over, the next batch may go. */
  afterBatch(): void;
}

/**
 * The engine's half that runs batches: it calls the batch method with a batch the `Batcher`
 * took from its queue, fans the results out (result `i` to caller `i`) or fails every caller
 * alike, ends the batch once (`done`), whatever comes first of its result, its failure and
 * its `batchTimeout`, and frees its slot. Which batch goes, and when, is the `Batcher`'s.
 */
export class Dispatcher<I, O> {
  #warnedAboutHook = false;

  constructor(
    private readonly fn: BatchFn<I, O>,
    private readonly thisArg: unknown,
    /** `Class.method`, for error messages. */
    private readonly name: string,
    private readonly tally: Tally,
    private readonly overload: OverloadControl,
    /** The batches whose slot is taken: dispatched, not ended yet (the batcher and the forecast read it). */
    private readonly running: Set<RunningBatch>,
    private readonly host: DispatchHost,
  ) {}

  /** Runs a batch of `calls` (at least one), dispatched at `startedAt` for `trigger`. */
  run(calls: Taken, options: ResolvedOptions, startedAt: number, trigger: BatchTrigger): void {
    const size = calls.items.length;
    const batch = new RunningBatch(calls, options, startedAt, options.cost === undefined ? size : calls.cost, trigger);
    const { records } = calls;
    if (records !== undefined) {
      for (const record of records) {
        if (record === undefined) continue;
        record.state = RUNNING;
        record.batch = batch;
      }
    }
    this.running.add(batch);
    this.host.autoPolicy()?.started(startedAt, batch.queuedMs);
    this.tally.batch(size);
    if (options.batchTimeout !== undefined) {
      batch.timer = setTimeout(() => this.#timeOut(batch), options.batchTimeout);
    }

    let result: unknown;
    try {
      result = this.fn.call(this.thisArg, calls.items as I[], batch.context);
    } catch (error) {
      result = rejection(error);
    }
    // Always settle in a later microtask, so a synchronous method cannot re-enter the pump.
    // Each handler guards itself (no `.catch` link: one promise less per batch).
    Promise.resolve(result).then(
      (value) => {
        try {
          this.#complete(batch, value);
        } catch (error) {
          this.#settleAbandoned(batch, error);
        }
      },
      (error: unknown) => {
        try {
          this.#fail(batch, error, 'batchError');
        } catch (failure) {
          this.#settleAbandoned(batch, failure);
        }
      },
    );
  }

  /** Fans the results out: result `i` goes to caller `i`. */
  #complete(batch: RunningBatch, results: unknown): void {
    if (batch.done) return;
    const wrong = wrongShape(results, batch.size, this.name);
    if (wrong !== undefined) return this.#fail(batch, wrong, 'contract');
    this.#endBatch(batch);
    this.overload.record(batch.work, batch.runMs, batch.answeredMs);
    const { output } = batch.options;
    const { settlers, records } = batch.calls;
    for (let i = 0; i < batch.size; i++, batch.fannedOut = i) {
      const record = records?.[i];
      if (record !== undefined && record.state === SETTLED) continue; // its caller left; the result is dropped
      settleResult(this.tally, settlers[i]!, record, results as unknown[], i, this.name, output);
    }
    this.#ended(batch, undefined);
  }

  /** The whole batch failed: every caller still waiting gets the same error. */
  #fail(batch: RunningBatch, error: unknown, why: RejectionReason): void {
    if (batch.done) return;
    this.#endBatch(batch);
    rejectRest(this.tally, batch, error, why);
    this.#ended(batch, error);
  }

  /**
   * The last guard of the fan-out: if settling a batch threw anyway (a step nobody foresaw),
   * every caller of it not settled yet still settles, its slot frees and nothing is left unhandled.
   */
  #settleAbandoned(batch: RunningBatch, cause: unknown): void {
    const error = new BatchContractError(`${this.name}: settling a batch failed: ${messageOf(cause)}`, { cause });
    if (!batch.done) this.#endBatch(batch);
    rejectRest(this.tally, batch, error, 'contract');
    this.host.afterBatch();
  }

  #timeOut(batch: RunningBatch): void {
    const { batchTimeout } = batch.options;
    const error = new BatchTimeoutError(
      `${this.name}: a batch of ${plural(batch.size, 'item')} ran longer than batchTimeout (${batchTimeout} ms)`,
    );
    batch.abort(error);
    this.#fail(batch, error, 'batchTimeout');
  }

  #endBatch(batch: RunningBatch): void {
    batch.done = true;
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    this.running.delete(batch);
    // One reading, so that onBatch reports the run time that 'auto' learns from.
    batch.runMs = exactNow() - batch.startedAt;
    // 'auto' judges when callers are answered: for a streamed batch, its first step (contract §12).
    const answeredMs = batch.answeredMs ?? batch.runMs;
    this.host.autoPolicy()?.finished(batch.size, answeredMs, this.host.callsWaiting(), this.overload.fixedCostMs());
    Drains.batchEnded(batch);
  }

  /** After a batch's callers have settled: its event, then the slot goes back. */
  #ended(batch: RunningBatch, error: unknown): void {
    const { onBatch } = batch.options;
    if (onBatch !== undefined) {
      try {
        onBatch(batch.event(error));
      } catch (hookError) {
        this.#warnOnce(`${this.name}: the onBatch hook threw (the batcher goes on): ${messageOf(hookError)}`);
      }
    }
    this.host.afterBatch();
  }

  #warnOnce(message: string): void {
    if (this.#warnedAboutHook) return;
    this.#warnedAboutHook = true;
    warn(message, 'BatchedWarning');
  }
}
