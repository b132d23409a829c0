import type { RejectionReason } from './types.js';

/** Calls rejected, in all and by reason (`stats().rejected` and `stats().rejectedBy`). */
export class Rejections {
  total = 0;
  readonly #byReason: Record<RejectionReason, number> = {
    queueFull: 0,
    closed: 0,
    badInput: 0,
    timeout: 0,
    abort: 0,
    shed: 0,
    batchError: 0,
    batchTimeout: 0,
    contract: 0,
    resultError: 0,
  };

  count(why: RejectionReason, calls = 1): void {
    this.total += calls;
    this.#byReason[why] += calls;
  }

  byReason(): Record<RejectionReason, number> {
    return { ...this.#byReason };
  }
}
