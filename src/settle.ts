import { type CallRecord, rejection, type Settle, SETTLED } from './call-record.js';
import type { RunningBatch } from './running-batch.js';
import type { Tally } from './tally.js';
import type { RejectionReason } from './types.js';

/**
 * contract §6: settles one call, once, and counts it. With no `why` it resolves with `value`;
 * with one it rejects with `value` (`isRejection`: `value` is already the rejected promise),
 * counted under `why`. A call without a record is settled only by its batch, which settles
 * once; a call with one may leave first (abort, deadline), so its record's state decides.
 */
export function settleCall(
  tally: Tally,
  settle: Settle,
  record: CallRecord | undefined,
  value: unknown,
  why?: RejectionReason,
  isRejection = false,
): void {
  if (record !== undefined) {
    if (record.state === SETTLED) return;
    record.state = SETTLED;
    record.batch = undefined;
    if (record.detach !== undefined) {
      record.detach();
      record.detach = undefined;
    }
    // A slot shared by `key`: its callers are settled and counted one by one (contract §11).
    if (record.shared !== undefined) return record.shared.settleCallers(value, why, isRejection);
  }
  if (why === undefined) {
    tally.resolved++;
    settle(value);
  } else {
    tally.rejections.count(why);
    settle(isRejection ? value : rejection(value));
  }
}

/**
 * Rejects every caller of the batch from `fannedOut` on that is still waiting, all with one
 * rejected promise. (A caller's own rejection reason may itself be a promise, so whether
 * `value` is the rejection cannot be told from it: hence `isRejection`.)
 */
export function rejectRest(tally: Tally, batch: RunningBatch, error: unknown, why: RejectionReason): void {
  const { settlers, records } = batch.calls;
  let rejected: Promise<never> | undefined;
  for (let i = batch.fannedOut; i < batch.size; i++, batch.fannedOut = i) {
    const record = records?.[i];
    if (record !== undefined && record.state === SETTLED) continue;
    rejected ??= rejection(error);
    settleCall(tally, settlers[i]!, record, rejected, why, true);
  }
}
