import type { BatchLimits, BatchQueue } from './batch-queue.js';
import type { LatencyModel } from './latency-model.js';

/** What the forecast reads of the engine's state, besides its queue. */
export interface ForecastState {
  readonly now: number;
  /** How long a batch holds its slot (its whole run). */
  readonly latency: LatencyModel;
  /** When a batch answers its callers: its run, or a streamed batch's first step (contract §12). */
  readonly answers: LatencyModel;
  readonly limits: BatchLimits;
  readonly concurrency: number;
  /** A batch's work is its total cost (the batcher has a `cost` function), not its size. */
  readonly costed: boolean;
  /** How long a batch that is not full waits for company: the fixed delay, or 0 (end of turn, 'auto'). */
  readonly windowMs: number;
  /** The batches running now: when each started and its work. */
  readonly running: Iterable<{ readonly startedAt: number; readonly work: number }>;
}

/**
 * contract §10: when a call arriving now, with key `key`, cost `cost` and `priority`, would be
 * answered (`undefined` while the latency model cannot predict). It plays the queue forward:
 * the running batches end as predicted, then every batch queued ahead of the call takes the
 * first slot to free (each other partition's items in full batches; all of them are older than
 * the call, so they go first), then the calls of its own partition that a batch takes before
 * it (those of its priority or higher, §9), then the call's own batch, once its window is
 * over, and its run (that of a full batch, if it must wait for a slot).
 *
 * Approximations, each in the call's favour or neutral: batches ahead are taken to leave as
 * soon as a slot frees (their windows, older than the call's, are mostly over); calls of a
 * lower priority in its partition are taken to ride behind it; with a cost budget, each batch
 * of a partition carries an equal share of its cost.
 */
export function forecastAnswerAt(
  state: ForecastState,
  queue: BatchQueue,
  key: unknown,
  cost: number,
  priority = 0,
): number | undefined {
  const { latency, now, limits, costed } = state;
  if (!latency.ready || !state.answers.ready) return undefined;
  const slots = slotsFreeAt(state);
  const own = queue.partitionFor(key);

  for (const partition of queue.partitions()) {
    if (partition === own) continue;
    const batches = batchesFor(partition.size, partition.cost, limits);
    runBatches(slots, batches, latency.predict((costed ? partition.cost : partition.size) / batches)!);
  }

  // The call's own partition: the full batches in front of it, then the batch it rides in.
  const ahead = own?.ahead(priority);
  const size = (ahead?.size ?? 0) + 1;
  const totalCost = (ahead?.cost ?? 0) + cost;
  const batches = batchesFor(size, totalCost, limits);
  const ownSize = Math.max(1, size - (batches - 1) * limits.maxBatchSize);
  const ownWork = costed ? totalCost / batches : ownSize;
  if (batches > 1)
    runBatches(
      slots,
      batches - 1,
      latency.predict(costed ? (totalCost - ownWork) / (batches - 1) : limits.maxBatchSize)!,
    );

  let dueAt = now; // full, or its window passed while the batches ahead ran
  if (ownSize < limits.maxBatchSize) {
    if (ownSize === 1) dueAt = now + state.windowMs;
    else if (batches === 1) dueAt = own!.oldestStamp() + state.windowMs;
  }
  const slotFreeAt = takeSlot(slots);
  // A batch that waits for a slot fills with the calls that arrive meanwhile: under load it
  // leaves full, and runs as long as a full batch. Predicting its size now would promise the
  // call an answer that the batch, once formed, cannot keep.
  const fills = slotFreeAt > dueAt;
  const answerMs = state.answers.predict(fills ? fullWork(limits, ownWork, costed) : ownWork)!;
  return Math.max(slotFreeAt, dueAt) + answerMs;
}

/** The work of a full batch: `maxBatchSize` items, or its cost budget (or `work`, if more). */
function fullWork(limits: BatchLimits, work: number, costed: boolean): number {
  if (!costed) return limits.maxBatchSize;
  return limits.maxBatchCost === Infinity ? work : Math.max(work, limits.maxBatchCost);
}

/** When each slot frees, earliest first: now for a free slot, else a running batch's predicted end. */
function slotsFreeAt(state: ForecastState): number[] {
  const ends: number[] = [];
  for (const batch of state.running) {
    // A batch running past its prediction is taken to end now: one slow batch is no trend.
    ends.push(Math.max(state.now, batch.startedAt + state.latency.predict(batch.work)!));
  }
  ends.sort((a, b) => a - b);
  // More batches running than slots (after `configure` lowered `concurrency`): a slot frees
  // only once enough of them have ended.
  const slots = ends.slice(Math.max(0, ends.length - state.concurrency));
  while (slots.length < state.concurrency) slots.unshift(state.now);
  return slots;
}

/** `count` batches of `runMs` each, each on the slot that frees first. */
function runBatches(slots: number[], count: number, runMs: number): void {
  if (slots.length === 1) {
    slots[0]! += count * runMs; // the common case, one slot: no need to play batch by batch
    return;
  }
  for (let i = 0; i < count; i++) slots.push(takeSlot(slots) + runMs);
}

/** Takes the slot that frees first out of `slots` and returns when it frees. */
function takeSlot(slots: number[]): number {
  let first = 0;
  for (let i = 1; i < slots.length; i++) if (slots[i]! < slots[first]!) first = i;
  const at = slots[first]!;
  if (slots.length > 1) slots.splice(first, 1);
  return at;
}

/** How many batches `size` items of total `cost` fill, at least. */
function batchesFor(size: number, cost: number, limits: BatchLimits): number {
  const bySize = Math.ceil(size / limits.maxBatchSize);
  return limits.maxBatchCost === Infinity ? bySize : Math.max(bySize, Math.ceil(cost / limits.maxBatchCost));
}
