import type { CallerStream } from './caller-stream.js';
import { isError, messageOf, plural } from './describe.js';
import { BatchContractError, BatchTimeoutError } from './errors.js';
import { END, SKIP, type StreamContext } from './stream-types.js';
import { exactNow } from './clock.js';
import { LazyBatchContext } from './running-batch.js';

/** A streaming batch method as the runner calls it. */
export type StreamFn = (this: unknown, batch: unknown[], context: StreamContext) => unknown;

/** What a running streamed batch asks of its batcher: the queued calls that may join it. */
export interface JoinSource {
  /**
   * Queued calls of its partition to join `run` before its next step, in the order a batch
   * takes them, up to `room` calls and within `costRoom` of cost; each is counted as joined.
   */
  takeJoiners(run: StreamRun, room: number, costRoom: number): CallerStream[];
  /** Whether calls of its partition are queued (they would join it). */
  anyWaiting(run: StreamRun): boolean;
}

/**
 * contract §12: one running streamed batch. It calls the method with the items, pulls one
 * step at a time (the next as soon as the last is handed out: it never waits for a reader),
 * hands entry `i` to stream `i`, admits joiners between steps, and closes the method
 * (`return()`, so its `finally` runs) once every slot is done and nobody can join. It resolves,
 * for the engine, with one result per engine call: undefined, or the `Error` its stream ended with.
 */
export class StreamRun {
  /** The items the method received; it grows as calls join. */
  readonly batch: unknown[];
  readonly streams: CallerStream[];
  readonly #signals: AbortSignal[];
  readonly #context: StreamContext;
  readonly #controller = new AbortController();
  /** The engine's context of the batch, told when the first step came (contract §12). */
  readonly #engineContext: LazyBatchContext;

  constructor(
    private readonly fn: StreamFn,
    private readonly thisArg: unknown,
    streams: CallerStream[],
    engineContext: LazyBatchContext,
    private readonly name: string,
    private readonly maxBatchSize: number,
    /** With a cost budget, what a batch's open slots may cost in all (Infinity without). */
    private readonly maxBatchCost: number,
    private readonly joins: JoinSource | undefined,
    /** The partition key the batch was formed for. */
    readonly partitionKey: unknown,
  ) {
    this.streams = [...streams];
    this.batch = streams.map((stream) => stream.item);
    this.#signals = streams.map((stream) => stream.slot.signal);
    for (const stream of streams) this.#watch(stream);
    this.#engineContext = engineContext;
    // The method's signal aborts when every slot is done (see #watch) or batchTimeout passed. The
    // engine's also aborts when every caller it dispatched has left, but callers who joined
    // since may still read: that is this run's business, not the engine's.
    const engineSignal = engineContext.signal;
    engineSignal.addEventListener(
      'abort',
      () => {
        if (engineSignal.reason instanceof BatchTimeoutError) this.#controller.abort(engineSignal.reason);
      },
      { once: true },
    );
    const signal = this.#controller.signal;
    this.#context = { signal, signals: this.#signals };
  }

  /** Whether a call may still join it: its signal has not aborted (every caller gone, or batchTimeout). */
  get takesJoiners(): boolean {
    return !this.#controller.signal.aborted;
  }

  /** Open slots: streams not ended, failed or left. */
  get openSlots(): number {
    let open = 0;
    for (const stream of this.streams) if (stream.open) open++;
    return open;
  }

  async run(engineCalls: number): Promise<unknown[]> {
    try {
      await this.#pull();
      // A batchTimeout fails the streams of callers who joined too (the engine fails its own).
      if (this.#controller.signal.reason instanceof BatchTimeoutError) throw this.#controller.signal.reason;
    } catch (error) {
      const why =
        error instanceof BatchTimeoutError
          ? 'batchTimeout'
          : error instanceof BatchContractError
            ? 'contract'
            : 'batchError';
      for (const stream of this.streams) stream.fail(error, why);
    } finally {
      for (const stream of this.streams) stream.end(); // the method returned: what is open ends
    }
    return this.streams.slice(0, engineCalls).map((stream) => (isError(stream.failure) ? stream.failure : undefined));
  }

  async #pull(): Promise<void> {
    const steps = this.fn.call(this.thisArg, this.batch, this.#context) as AsyncIterable<unknown> | undefined;
    const iterator = iteratorOf(steps);
    if (iterator === undefined) {
      throw new BatchContractError(
        `${this.name} is a streaming batch method but returned ${describe(steps)}; expected an async iterable of steps`,
      );
    }
    let firstStep = true;
    for (;;) {
      this.#admitJoiners();
      if (this.openSlots === 0 || this.#controller.signal.aborted) {
        await iterator.return?.();
        return;
      }
      const step = await iterator.next();
      if (step.done === true) return;
      // Its callers are answered: the latency model and 'auto' learn this time, not the run's.
      // Only the first step's time counts, so the clock is read for that step alone.
      if (firstStep) LazyBatchContext.answered(this.#engineContext, exactNow());
      firstStep = false;
      const wrong = this.#fanOut(step.value);
      if (wrong !== undefined) {
        await iterator.return?.();
        throw wrong;
      }
    }
  }

  /** Hands entry `i` of a step to stream `i`; a step of the wrong shape is the error returned. */
  #fanOut(step: unknown): BatchContractError | undefined {
    const size = this.streams.length;
    if (!Array.isArray(step) || step.length !== size) {
      const got = Array.isArray(step) ? `a step of ${plural(step.length, 'entry')}` : describe(step);
      return new BatchContractError(
        `${this.name} yielded ${got} for a batch of ${plural(size, 'item')}; expected an array with one entry per item, in order`,
      );
    }
    for (let i = 0; i < size; i++) {
      const stream = this.streams[i]!;
      if (!stream.open) continue;
      const entry: unknown = step[i];
      if (entry === SKIP) continue;
      if (entry === END) stream.end();
      else if (isError(entry)) stream.fail(entry, 'resultError');
      else stream.push(entry);
    }
    return undefined;
  }

  /** Queued calls of its partition join before the next step while it has room (contract §12, `join`). */
  #admitJoiners(): void {
    if (this.joins === undefined || !this.takesJoiners) return;
    const room = this.maxBatchSize - this.openSlots;
    if (room <= 0) return;
    let openCost = 0;
    for (const stream of this.streams) if (stream.open) openCost += stream.cost;
    for (const stream of this.joins.takeJoiners(this, room, this.maxBatchCost - openCost)) {
      this.streams.push(stream);
      this.batch.push(stream.item);
      this.#signals.push(stream.slot.signal);
      this.#watch(stream);
    }
  }

  /** When its last open slot is done and nobody waits to join, the method's signal aborts at once. */
  #watch(stream: CallerStream): void {
    stream.slot.signal.addEventListener(
      'abort',
      () => {
        if (this.openSlots > 0 || this.#controller.signal.aborted || this.joins?.anyWaiting(this)) return;
        this.#controller.abort(new Error(`${this.name}: every caller of the batch has left or been answered`));
      },
      { once: true },
    );
  }
}

function iteratorOf(value: unknown): AsyncIterator<unknown> | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const make = (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
  return typeof make === 'function' ? make.call(value) : undefined;
}

function describe(value: unknown): string {
  try {
    return Array.isArray(value) ? `an array` : value === undefined ? 'undefined' : `a ${typeof value}`;
  } catch (error) {
    return `something unreadable (${messageOf(error)})`;
  }
}
