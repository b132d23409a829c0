import type { BatchQueue, Partition, Taken } from './batch-queue.js';
import type { CallRecord, Told } from './call-record.js';
import { exactNow } from './clock.js';
import { OverloadedError, TimeoutError } from './errors.js';
import { forecastAnswerAt, type ForecastState } from './forecast.js';
import { LatencyModel } from './latency-model.js';
import type { ResolvedOptions } from './options.js';
import { SHED_MARGIN_MS, ShedPolicy, type ShedVerdict } from './shed-policy.js';
import type { BatcherStats } from './types.js';

/**
 * Contract §10 as the engine sees it: the latency model every batcher keeps, the forecast it
 * makes from the queue and the running batches, and, with `shed: true`, the calls refused on
 * arrival or when a batch is formed, with the `OverloadedError` each is told. The engine asks;
 * this module knows how to answer and how to say why.
 */
export class OverloadControl {
  /** How long a batch holds its slot: its whole run. */
  readonly #latency = new LatencyModel();
  /**
   * When a batch that answers before it ends (a stream's first step, contract §12) answers its
   * callers: made at the first such batch. A call's deadline is judged against it.
   */
  #answers: LatencyModel | undefined;
  #shed: ShedPolicy | undefined;
  #options!: ResolvedOptions;
  /** `Class.method`, for messages. */
  readonly #name: string;
  readonly #queue: BatchQueue;
  readonly #running: Iterable<{ readonly startedAt: number; readonly work: number }>;

  constructor(
    name: string,
    queue: BatchQueue,
    running: Iterable<{ readonly startedAt: number; readonly work: number }>,
    options: ResolvedOptions,
  ) {
    this.#name = name;
    this.#queue = queue;
    this.#running = running;
    this.configure(options);
  }

  configure(options: ResolvedOptions): void {
    this.#options = options;
    this.#shed = options.shed ? (this.#shed ?? new ShedPolicy()) : undefined;
  }

  /**
   * A batch of `work` returned after `runMs`, having answered its callers after `answeredMs`
   * (a streamed batch's first step; undefined: when it returned): what the models learn from.
   */
  record(work: number, runMs: number, answeredMs?: number): void {
    this.#latency.record(work, runMs);
    if (answeredMs !== undefined) (this.#answers ??= new LatencyModel()).record(work, answeredMs);
  }

  /** The model of when a batch answers its callers: its first step for streams, else its run. */
  #answerModel(): LatencyModel {
    const answers = this.#answers;
    return answers !== undefined && answers.ready ? answers : this.#latency;
  }

  /** On arrival at `at`: the error for a call that would miss its deadline, or undefined to queue it. */
  refusal(at: number, deadlineAt: number, key: unknown, cost: number, priority: number): OverloadedError | undefined {
    if (this.#shed === undefined) return undefined;
    const state = this.#state(at);
    const answerAt = forecastAnswerAt(state, this.#queue, key, cost, priority);
    const verdict = this.#shed.onArrival(at, answerAt, deadlineAt);
    if (verdict === undefined) return undefined;
    // On arrival the time left is the call's whole timeout: if its own run cannot fit, no retry can.
    const aloneMs = state.windowMs + state.answers.predict(state.costed ? cost : 1)!;
    return this.#overloaded('on arrival: it would be answered', verdict, aloneMs);
  }

  /**
   * The next batch of `partition`, formed at `at`, with the items that cannot make their
   * deadline left out and what each is told; undefined when nothing is shed (no `shed`, or no
   * prediction yet): the engine then takes the batch as usual.
   */
  formBatch(partition: Partition, at: number): { taken: Taken; left: (Told & { record: CallRecord })[] } | undefined {
    const options = this.#options;
    const shed = this.#shed;
    const work = partition.nextBatchWork(options, options.cost !== undefined);
    const endsAt = shed?.formationEnd(at, work, this.#answerModel());
    if (shed === undefined || endsAt === undefined) return undefined;
    const rides = (record: CallRecord): boolean => shed.rides(record, endsAt);
    const told = (record: CallRecord): Told => this.#told(record, at, endsAt);
    const { taken, skipped } = this.#queue.takeAdmitted(partition, options, (record) => {
      if (!rides(record)) return false;
      // A slot shared by `key` rides while any caller can make it; those who cannot are told now.
      record.shared?.dropCallers(rides, told);
      return true;
    });
    return { taken, left: skipped.map((record) => ({ record, ...told(record) })) };
  }

  /**
   * What a call that may not ride in a batch formed at `at` and predicted to end at `endsAt`
   * is told. One whose deadline has already passed (its timer is late: the event loop was
   * busy) is told `TimeoutError`, not that it was shed: a server then answers 504, which is
   * the truth, not 503.
   */
  #told(record: CallRecord, at: number, endsAt: number): Told {
    const leftMs = record.deadlineAt - at;
    if (leftMs <= 0) {
      const late = `${this.#name}: the call's deadline passed ${(-leftMs).toFixed(1)} ms before its batch was formed`;
      return { error: new TimeoutError(late), why: 'timeout' };
    }
    const when = 'when its batch was formed: the batch would end';
    return { error: this.#overloaded(when, { predictedMs: endsAt - at, leftMs }), why: 'shed' };
  }

  /** What a batch costs whatever its size, until it answers (the latency model's base), once it can predict. */
  fixedCostMs(): number | undefined {
    return this.#answerModel().stats()?.baseMs;
  }

  /** The latency model (of when a batch answers) and the wait of a call arriving now, once it can predict. */
  stats(): Pick<BatcherStats, 'latency' | 'predictedWaitMs'> {
    const latency = this.#answerModel().stats();
    if (latency === undefined) return {};
    const at = exactNow();
    // Without partitionBy the call joins the one queue; with it, no item has no key, so the
    // unkeyed queue stands for a key with nothing queued.
    const answerAt = forecastAnswerAt(this.#state(at), this.#queue, undefined, 0)!;
    return { latency, predictedWaitMs: answerAt - at };
  }

  #state(at: number): ForecastState {
    const options = this.#options;
    return {
      now: at,
      latency: this.#latency,
      answers: this.#answerModel(),
      limits: options,
      concurrency: options.concurrency,
      costed: options.cost !== undefined,
      windowMs: typeof options.delay === 'number' ? options.delay : 0,
      running: this.#running,
    };
  }

  /**
   * What a shed call is told. `retryAfterMs` is the earliest time a retry with `leftMs` to go
   * would be admitted: the queue ahead of it will have drained by then, and the margin of the
   * arrival check counts. `Infinity` when the call alone on an idle model (`aloneMs`: its window
   * and its own run; given on arrival, where `leftMs` is the whole timeout) cannot make it.
   */
  #overloaded(when: string, { predictedMs, leftMs }: ShedVerdict, aloneMs = 0): OverloadedError {
    const model = this.#answerModel();
    const latency = model.stats()!;
    const predicted = model === this.#latency ? 'run' : 'give its first step in';
    const hopeless = aloneMs > leftMs - SHED_MARGIN_MS;
    const retryAfterMs = hopeless ? Infinity : Math.max(0, Math.ceil(predictedMs - leftMs + SHED_MARGIN_MS));
    const retry = hopeless
      ? `no retry can succeed: alone on an idle model it would take ${aloneMs.toFixed(1)} ms`
      : `retry after ${retryAfterMs} ms`;
    const message =
      `${this.#name}: shed ${when} in ${predictedMs.toFixed(1)} ms (predicted), but the call had ${leftMs.toFixed(1)} ms left ` +
      `(a batch is predicted to ${predicted} ${latency.baseMs.toFixed(2)} ms + ${latency.perItemMs.toFixed(3)} ms per item); ${retry}`;
    return new OverloadedError(message, retryAfterMs);
  }
}
