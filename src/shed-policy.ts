import type { CallRecord } from './call-record.js';
import type { LatencyModel } from './latency-model.js';

/**
 * A timer's granularity: a call is kept only if it is predicted to be answered at least this
 * long before its deadline. A batch predicted to end within a tick of a deadline races that
 * deadline's timer and loses about half the time; a model run for a caller who has gone is
 * the waste shedding exists to avoid (contract §10).
 */
export const SHED_MARGIN_MS = 1;

/** What a shed call is told: what was predicted, and what time it had left. */
export interface ShedVerdict {
  /** When the call would have been answered, in ms from now. */
  readonly predictedMs: number;
  /** The time the call had left, in ms. */
  readonly leftMs: number;
}

/**
 * contract §10, `shed: true`: which calls are told at once that they cannot make their deadline,
 * and never run. The engine asks at two moments; only calls with a deadline are ever shed,
 * and nothing is shed while the latency model cannot predict.
 *
 * - On arrival: the forecast of its answer is later than its deadline.
 * - When a batch is formed: taking items in order, one whose deadline passes before the batch
 *   is predicted to end does not ride, and the next takes its place. Every item that rides is
 *   predicted to make its deadline, and none is passed over for one that cannot.
 *
 * A call already running is never shed: that is its deadline timer's business.
 */
export class ShedPolicy {
  /** On arrival at `now`: why to refuse a call with deadline `deadlineAt`, or undefined to queue it. */
  onArrival(now: number, answerAt: number | undefined, deadlineAt: number): ShedVerdict | undefined {
    if (answerAt === undefined || answerAt <= deadlineAt - SHED_MARGIN_MS) return undefined;
    return { predictedMs: answerAt - now, leftMs: deadlineAt - now };
  }

  /**
   * When a batch formed at `now` is predicted to answer its callers (`answers`: to end, or a
   * streamed batch's first step), judged as it will leave: `work` is its size, or cost, as full
   * as the queue allows. Judging every item against the full batch,
   * not the batch so far, keeps batches full under overload: cutting a batch short for one
   * tight item would cost every later item time. Undefined while nothing can be predicted.
   */
  formationEnd(now: number, work: number, answers: LatencyModel): number | undefined {
    return answers.ready ? now + answers.predict(work)! : undefined;
  }

  /** Whether an item rides in a batch predicted to end at `endsAt`; one that does not is shed. */
  rides(record: CallRecord, endsAt: number): boolean {
    return endsAt <= record.deadlineAt - SHED_MARGIN_MS;
  }
}
