import { Batcher } from './batcher.js';
import { CallerStream } from './caller-stream.js';
import { callOptionsProblem, costOf, partitionKeyOf } from './call-checks.js';
import { BatcherClosedError } from './errors.js';
import { reconfigured, resolveOptions, type BatchedOptions, type ResolvedOptions } from './options.js';
import { type JoinSource, type StreamFn, StreamRun } from './stream-run.js';
import { Tally } from './tally.js';
import type { LazyBatchContext } from './running-batch.js';
import type { BatchContext, BatcherControls, BatcherStats, CallOptions, RejectionReason } from './types.js';

/**
 * contract §12: the batcher of a streaming method. It is the engine (`Batcher`) with the
 * method wrapped: each call queues as one engine call carrying its `CallerStream`, and the
 * batch the engine dispatches runs as a `StreamRun`, whose slot is held until the method
 * returns. The engine knows a call's deadline (to shed by); its stream times it out, on the
 * first chunk. With `join`, a running batch takes queued calls of its partition out of the
 * engine's queue between steps.
 */
export class StreamBatcher implements BatcherControls, JoinSource {
  readonly #engine: Batcher<CallerStream, unknown>;
  readonly #name: string;
  #options: ResolvedOptions;
  #joined = 0;
  /** Outcomes of calls refused here, before they reached the engine. */
  readonly #own = new Tally();
  #closed = false;

  constructor(fn: StreamFn, options: ResolvedOptions, name: string, thisArg?: unknown) {
    this.#name = name;
    this.#options = options;
    const run = (streams: CallerStream[], context: BatchContext): Promise<unknown[]> => {
      const { partitionKey } = streams[0]!;
      const joins = this.#options.join ? this : undefined;
      const { maxBatchSize, maxBatchCost } = this.#options;
      const running = new StreamRun(
        fn,
        thisArg,
        streams,
        context as LazyBatchContext, // the engine's own: told when the first step came
        name,
        maxBatchSize,
        maxBatchCost,
        joins,
        partitionKey,
      );
      return running.run(streams.length);
    };
    this.#engine = new Batcher(run, engineOptions(options), name, thisArg);
  }

  /** A call: its stream at once; it queues now, not at the first read. */
  call(item: unknown, call?: CallOptions): CallerStream {
    const problem = call === undefined ? undefined : callOptionsProblem(call);
    const timeout = problem === undefined ? firstChunkDeadline(call, this.#options) : undefined;
    const stream = new CallerStream(item, problem === undefined ? call?.signal : undefined, timeout, this.#name);
    if (problem !== undefined) return this.#refuse(stream, new TypeError(`${this.#name}: ${problem}`), 'badInput');
    // A signal aborted already: the engine refuses it and counts it, as for any call.
    if (!stream.open) {
      this.#queue(stream, call, timeout);
      return stream;
    }
    const badInput = this.#options.input?.(item);
    if (badInput !== undefined)
      return this.#refuse(stream, new TypeError(`${this.#name}: the input check failed: ${badInput}`), 'badInput');
    if (this.#closed)
      return this.#refuse(stream, new BatcherClosedError(`${this.#name} is closed and takes no new calls`), 'closed');
    // Its cost and partition key, once (contract §9), for the engine's queue and for joining.
    try {
      stream.cost = costOf(item, this.#options, this.#name);
      stream.partitionKey = partitionKeyOf(item, this.#options, this.#name);
    } catch (error) {
      return this.#refuse(stream, error, 'badInput');
    }
    this.#queue(stream, call, timeout);
    return stream;
  }

  takeJoiners(run: StreamRun, room: number, costRoom: number): CallerStream[] {
    const joined = this.#engine.takeToJoin(run.partitionKey, room, costRoom);
    this.#joined += joined.length;
    return joined.map(({ item: stream, settle }) => {
      // Its engine call settles as its stream ends: well, or failed by its batch. One whose
      // caller left is settled by the engine already, as any call that leaves.
      stream.onEnd = (ended) => {
        if (!ended.left) settle(ended.failure, ended.why);
      };
      return stream;
    });
  }

  anyWaiting(run: StreamRun): boolean {
    return this.#engine.queuedIn(run.partitionKey);
  }

  flush(): void {
    this.#engine.flush();
  }

  drain(): Promise<void> {
    return this.#engine.drain();
  }

  close(): Promise<void> {
    this.#closed = true;
    return this.#engine.close();
  }

  stats(): BatcherStats {
    const stats = this.#engine.stats();
    // Calls the engine never saw (refused here): counted here.
    const own = this.#own.stats();
    const rejectedBy = { ...stats.rejectedBy };
    for (const why of Object.keys(rejectedBy) as RejectionReason[]) rejectedBy[why] += own.rejectedBy[why];
    return {
      ...stats,
      resolved: stats.resolved + own.resolved,
      rejected: stats.rejected + own.rejected,
      rejectedBy,
      joined: this.#joined,
    };
  }

  /** A call refused before it queues, counted as `why`. */
  #refuse(stream: CallerStream, error: unknown, why: RejectionReason): CallerStream {
    stream.onEnd = this.#countOwn;
    stream.fail(error, why);
    return stream;
  }

  readonly #countOwn = (stream: CallerStream): void => this.#own.count(stream.why, 1);

  configure(partial: BatchedOptions): void {
    const options = reconfigured(this.#options, partial, this.#name);
    this.#options = options;
    this.#engine.configure(engineGiven(options));
  }

  prime(): this {
    throw new TypeError(`${this.#name}: prime() needs the \`cache\` option, which a streaming method cannot have`);
  }

  clear(): this {
    throw new TypeError(`${this.#name}: clear() needs the \`cache\` option, which a streaming method cannot have`);
  }

  clearAll(): this {
    throw new TypeError(`${this.#name}: clearAll() needs the \`cache\` option, which a streaming method cannot have`);
  }

  /**
   * The call queues in the engine, with its own signal, priority and meta, and its deadline
   * (`timeout`), which the engine sheds by but leaves to the stream to time out.
   */
  #queue(stream: CallerStream, call: CallOptions | undefined, timeout: number | undefined): void {
    const engineCall = { signal: stream.leaving.signal, priority: call?.priority, meta: call?.meta, timeout };
    this.#engine.call(stream, engineCall).then(
      () => stream.end(),
      (reason: unknown) => stream.fail(reason),
    );
  }
}

/** A stream call's deadline is on its first chunk: its own `timeout`, else the option; none for Infinity. */
function firstChunkDeadline(call: CallOptions | undefined, options: ResolvedOptions): number | undefined {
  const timeout = call?.timeout ?? options.timeout;
  return timeout === Infinity ? undefined : timeout;
}

/** The engine's options: its items are streams (each check reads the item), and it sees no deadline. */
function engineOptions(options: ResolvedOptions): ResolvedOptions {
  return resolveOptions(engineGiven(options) as BatchedOptions);
}

function engineGiven(options: ResolvedOptions): BatchedOptions<CallerStream> {
  const given: Record<string, unknown> = { ...options.given };
  // The input check, the cost and the partition key are taken once, before a call queues, and
  // the engine reads them off it; `stream` tells it that its calls' streams time them out.
  for (const name of ['join', 'input']) delete given[name];
  return {
    ...(given as BatchedOptions<CallerStream>),
    stream: true,
    cost: options.cost === undefined ? undefined : (stream) => stream.cost,
    partitionBy: options.partitionBy === undefined ? undefined : (stream) => stream.partitionKey as string | number,
  };
}
