import { Batcher } from './batcher.js';
import { CallerStream } from './caller-stream.js';
import { callOptionsProblem, costOf, partitionKeyOf } from './call-checks.js';
import { BatcherClosedError } from './errors.js';
import { reconfigured, resolveOptions, type BatchedOptions, type ResolvedOptions } from './options.js';
import { type JoinSource, type StreamFn, StreamRun } from './stream-run.js';
import { Tally } from './tally.js';
import type { BatchContext, BatcherControls, BatcherStats, CallOptions, RejectionReason } from './types.js';

/**
 * contract §12: the batcher of a streaming method. It is the engine (`Batcher`) with the
 * method wrapped: each call queues as one engine call carrying its `CallerStream`, and the
 * batch the engine dispatches runs as a `StreamRun`, whose slot is held until the method
 * returns. What is the stream's own lives here: the deadline on the first chunk (the engine
 * sees none), joining a running batch between steps, and `stats().joined`.
 */
export class StreamBatcher implements BatcherControls, JoinSource {
  readonly #engine: Batcher<CallerStream, unknown>;
  readonly #name: string;
  #options: ResolvedOptions;
  /** Running batches by partition key, for `join`. */
  readonly #running = new Map<unknown, Set<StreamRun>>();
  /** Calls waiting to join a running batch of their partition, in arrival order. */
  readonly #joiners = new Map<unknown, CallerStream[]>();
  #joined = 0;
  /** Outcomes of calls the engine never saw (refused here, or waiting to join, or joined). */
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
        context,
        name,
        maxBatchSize,
        maxBatchCost,
        joins,
        partitionKey,
      );
      if (joins !== undefined) this.#runsOf(partitionKey).add(running);
      return running.run(streams.length);
    };
    this.#engine = new Batcher(run, engineOptions(options), name, thisArg);
  }

  /** A call: its stream at once; it queues now, not at the first read. */
  call(item: unknown, call?: CallOptions): CallerStream {
    const problem = call === undefined ? undefined : callOptionsProblem(call);
    const timeout = problem === undefined ? firstChunkDeadline(call, this.#options) : undefined;
    const priority = problem === undefined ? (call?.priority ?? 0) : 0;
    const stream = new CallerStream(
      item,
      problem === undefined ? call?.signal : undefined,
      timeout,
      this.#name,
      priority,
    );
    if (problem !== undefined) return this.#refuse(stream, new TypeError(`${this.#name}: ${problem}`), 'badInput');
    // A signal aborted already: the engine refuses it and counts it, as for any call.
    if (!stream.open) {
      this.#queue(stream);
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
    stream.meta = call?.meta;
    if (this.#options.join && this.#waitsToJoin(stream.partitionKey)) {
      this.#queueToJoin(stream);
      return stream;
    }
    this.#queue(stream);
    return stream;
  }

  takeJoiners(run: StreamRun, room: number, costRoom: number): CallerStream[] {
    const waiting = this.#joiners.get(run.partitionKey);
    if (waiting === undefined) return [];
    // One that left while waiting is passed over; the others in the order a batch takes them:
    // priority, then arrival (a stable sort keeps arrival order within a priority).
    const order = waiting.filter((stream) => stream.open).sort((a, b) => b.priority - a.priority);
    const taken: CallerStream[] = [];
    let cost = 0;
    for (const stream of order) {
      // The first that does not fit stops the joining: no call is passed over (contract §9).
      if (taken.length === room || cost + stream.cost > costRoom) break;
      cost += stream.cost;
      taken.push(stream);
    }
    const left = order.slice(taken.length);
    if (left.length === 0) this.#joiners.delete(run.partitionKey);
    else this.#joiners.set(run.partitionKey, left);
    this.#joined += taken.length;
    return taken;
  }

  anyWaiting(run: StreamRun): boolean {
    return (this.#joiners.get(run.partitionKey)?.length ?? 0) > 0;
  }

  ended(run: StreamRun): void {
    const runs = this.#running.get(run.partitionKey);
    runs?.delete(run);
    if (runs?.size === 0) this.#running.delete(run.partitionKey);
    // Calls that waited to join a batch that is over queue for a batch of their own.
    if (runs?.size === 0) {
      const waiting = this.#joiners.get(run.partitionKey) ?? [];
      this.#joiners.delete(run.partitionKey);
      for (const stream of waiting) {
        if (!stream.open) continue;
        stream.onEnd = undefined; // the engine counts it from now on
        this.#queue(stream);
      }
    }
  }

  flush(): void {
    this.#engine.flush();
  }

  async drain(): Promise<void> {
    // Calls waiting to join are queued too: they join a batch running now, or queue in the
    // engine when it ends (before the engine's drain of it resolves); one more drain of the
    // engine then covers them. (Calls that come later are not waited for, as in the engine.)
    const joinersWaited = this.#joiners.size > 0;
    await this.#engine.drain();
    if (joinersWaited) await this.#engine.drain();
  }

  async close(): Promise<void> {
    this.#closed = true;
    // The engine refuses calls once closed: the calls waiting to join must have joined, or be
    // in its queue, first.
    while (this.#joiners.size > 0) await this.#engine.drain();
    await this.#engine.close();
  }

  stats(): BatcherStats {
    const stats = this.#engine.stats();
    // Calls the engine never saw (refused here, or joined a running batch): counted here.
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
   * With `join`: whether a call waits to join a running batch of its partition rather than
   * queue for one of its own: when one has room now, or when every slot is taken anyway (it
   * then joins as soon as a stream of that batch ends, or queues when the batch is over).
   */
  #waitsToJoin(partitionKey: unknown): boolean {
    const runs = [...(this.#running.get(partitionKey) ?? [])].filter((run) => run.takesJoiners);
    if (runs.length === 0) return false;
    const waiting = this.#joiners.get(partitionKey)?.length ?? 0;
    for (const run of runs) if (run.openSlots + waiting < this.#options.maxBatchSize) return true;
    // With `join`, every running batch is in #running: all slots are taken when they count `concurrency`.
    let running = 0;
    for (const partitionRuns of this.#running.values()) running += partitionRuns.size;
    return running >= this.#options.concurrency;
  }

  #queueToJoin(stream: CallerStream): void {
    // Not the engine's call (unless it queues there later): its outcome is counted here.
    stream.onEnd = this.#countOwn;
    const waiting = this.#joiners.get(stream.partitionKey);
    if (waiting === undefined) this.#joiners.set(stream.partitionKey, [stream]);
    else waiting.push(stream);
  }

  /** The call queues in the engine, with its own signal, priority and meta. */
  #queue(stream: CallerStream): void {
    const engineCall = { signal: stream.leaving.signal, priority: stream.priority, meta: stream.meta };
    this.#engine.call(stream, engineCall).then(
      () => stream.end(),
      (reason: unknown) => stream.fail(reason),
    );
  }

  #runsOf(partitionKey: unknown): Set<StreamRun> {
    let runs = this.#running.get(partitionKey);
    if (runs === undefined) this.#running.set(partitionKey, (runs = new Set()));
    return runs;
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
  // The first chunk's deadline is the stream's own; the input check, the cost and the
  // partition key are taken once, before a call queues, and the engine reads them off it.
  for (const name of ['timeout', 'shed', 'stream', 'join', 'input']) delete given[name];
  return {
    ...(given as BatchedOptions<CallerStream>),
    cost: options.cost === undefined ? undefined : (stream) => stream.cost,
    partitionBy: options.partitionBy === undefined ? undefined : (stream) => stream.partitionKey as string | number,
  };
}
