import { Rejections } from './rejections.js';
import type { BatcherStats, RejectionReason } from './types.js';

/** What a batcher counts for `stats()`: batches and their sizes, calls resolved and rejected. */
export class Tally {
  batches = 0;
  items = 0;
  resolved = 0;
  readonly rejections = new Rejections();
  /** Batches dispatched, by size. A Map: reading a size not seen yet from an object deoptimizes. */
  readonly #batchSizes = new Map<number, number>();

  /** `calls` more calls settled alike: resolved, or rejected for `why`. */
  count(why: RejectionReason | undefined, calls: number): void {
    if (why === undefined) this.resolved += calls;
    else this.rejections.count(why, calls);
  }

  batch(size: number): void {
    this.batches++;
    this.items += size;
    this.#batchSizes.set(size, (this.#batchSizes.get(size) ?? 0) + 1);
  }

  stats(): Pick<
    BatcherStats,
    'batches' | 'items' | 'resolved' | 'rejected' | 'meanBatchSize' | 'batchSizes' | 'rejectedBy'
  > {
    return {
      batches: this.batches,
      items: this.items,
      resolved: this.resolved,
      rejected: this.rejections.total,
      meanBatchSize: this.batches === 0 ? 0 : this.items / this.batches,
      batchSizes: Object.fromEntries(this.#batchSizes),
      rejectedBy: this.rejections.byReason(),
    };
  }
}
