import { type Admit, RIDE, SKIP, STOP } from './batch-queue.js';
import type { Entry } from './entry.js';
import type { LatencyModel } from './latency-model.js';

/**
 * A timer's granularity: a call is kept only if it is predicted to be answered at least this
 * long before its deadline. A batch predicted to end within a tick of a deadline races that
 * deadline's timer and loses about half the time; a model run for a caller who has gone is
 * the waste shedding exists to avoid (SPEC §10).
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
 * SPEC §10, `shed: true`: which calls are told at once that they cannot make their deadline,
 * and never run. The engine asks at two moments; only calls with a deadline are ever shed,
 * and nothing is shed while the latency model cannot predict.
 *
 * - On arrival: the forecast of its answer is later than its deadline.
 * - When a batch is formed: taking items in order, one whose deadline passes before the batch
 *   (with it aboard) is predicted to end does not ride, and the next takes its place; one that
 *   would make its deadline but would make an item already aboard miss ends the batch there,
 *   so no item that can still make its deadline is passed over for one that cannot.
 *
 * A call already running is never shed: that is its deadline timer's business.
 */
export class ShedPolicy {
  constructor(readonly latency: LatencyModel) {}

  /** On arrival at `now`: why to refuse a call with deadline `deadlineAt`, or undefined to queue it. */
  onArrival(now: number, answerAt: number | undefined, deadlineAt: number): ShedVerdict | undefined {
    if (answerAt === undefined || answerAt <= deadlineAt - SHED_MARGIN_MS) return undefined;
    return { predictedMs: answerAt - now, leftMs: deadlineAt - now };
  }

  /**
   * How a batch formed at `now` takes its items (`costed`: a batch's work is its cost): `admit`
   * sees each item in order; `verdicts` gets what each skipped item is told, in order.
   */
  formation(now: number, costed: boolean): { admit: Admit; verdicts: ShedVerdict[] } | undefined {
    if (!this.latency.ready) return undefined;
    const verdicts: ShedVerdict[] = [];
    let earliestDeadline = Infinity; // of the items aboard
    const admit: Admit = (entry: Entry<unknown>, count, cost) => {
      const endsAt = now + this.latency.predict(costed ? cost + entry.cost : count + 1)!;
      if (endsAt > entry.deadlineAt - SHED_MARGIN_MS) {
        verdicts.push({ predictedMs: endsAt - now, leftMs: entry.deadlineAt - now });
        return SKIP;
      }
      if (endsAt > earliestDeadline - SHED_MARGIN_MS) return STOP;
      if (entry.deadlineAt < earliestDeadline) earliestDeadline = entry.deadlineAt;
      return RIDE;
    };
    return { admit, verdicts };
  }
}
