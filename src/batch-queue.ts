import { type Entry, QUEUED } from './entry.js';

/** What bounds one batch. Without a cost budget, `maxBatchCost` is `Infinity` and costs are 0. */
export interface BatchLimits {
  readonly maxBatchSize: number;
  readonly maxBatchCost: number;
}

/** What `Partition.takeAdmitted` asks of each item, in order: does it ride (or is it left out)? */
export type Admit = (entry: Entry<unknown>) => boolean;

/** Past this many items taken from the front of a lane, its array is compacted. */
const COMPACT_AFTER = 1024;

/**
 * The items of one priority in one partition, in arrival order. Items that leave early (an
 * abort, a deadline) stay behind as tombstones until the front passes them, so removal is O(1).
 */
class Lane {
  entries: Entry<unknown>[] = [];
  head = 0;

  constructor(readonly priority: number) {}

  /** The first item still queued, or undefined; drops the tombstones in front of it. */
  front(): Entry<unknown> | undefined {
    const entries = this.entries;
    while (this.head < entries.length && entries[this.head]!.state !== QUEUED) this.head++;
    if (this.head === entries.length) {
      entries.length = 0;
      this.head = 0;
      return undefined;
    }
    if (this.head > COMPACT_AFTER && this.head * 2 > entries.length) {
      this.entries = entries.slice(this.head);
      this.head = 0;
    }
    return this.entries[this.head];
  }
}

/**
 * The queue of one partition key: one lane per priority, highest first. Its window is that of
 * its oldest item, whatever that item's priority; a batch takes items in priority order.
 */
export class Partition {
  /** Items queued here now. */
  size = 0;
  /** Their total cost. */
  cost = 0;
  /** Lanes by descending priority; almost always one. */
  #lanes: Lane[];

  constructor(readonly key: unknown) {
    this.#lanes = [new Lane(0)];
  }

  add(entry: Entry<unknown>, priority: number): void {
    this.#laneFor(priority).entries.push(entry);
    this.size++;
    this.cost += entry.cost;
  }

  /** Counts out an item that left the queue early; its tombstone stays until passed. */
  remove(entry: Entry<unknown>): void {
    this.size--;
    this.cost -= entry.cost;
  }

  /**
   * Full: the next batch could take no more. Taken in order, the items fit until the count
   * or the budget runs out, so the batch is full exactly when one of them runs out here.
   */
  isFull(limits: BatchLimits): boolean {
    return this.size >= limits.maxBatchSize || this.cost > limits.maxBatchCost;
  }

  /** The item that has waited longest (lowest sequence number), whatever its priority. */
  oldest(): Entry<unknown> | undefined {
    const lanes = this.#lanes;
    let oldest = lanes[0]!.front();
    for (let i = 1; i < lanes.length; i++) {
      const front = lanes[i]!.front();
      if (front !== undefined && (oldest === undefined || front.seq < oldest.seq)) oldest = front;
    }
    return oldest;
  }

  /**
   * Takes the next batch: highest priority first, arrival order within a priority, while
   * the count and the cost fit. It stops at the first item that does not fit: none is passed
   * over, so none starves. The first item always goes (no single item exceeds the budget).
   */
  take(limits: BatchLimits): Entry<unknown>[] {
    // Counted first, so that the array is made at its size: no garbage from growing it.
    const count = this.#fitting(limits);
    const batch = new Array<Entry<unknown>>(count);
    let taken = 0;
    let cost = 0;
    for (const lane of this.#lanes) {
      for (let entry = lane.front(); entry !== undefined && taken < count; entry = lane.front()) {
        lane.head++;
        cost += entry.cost;
        batch[taken++] = entry;
      }
    }
    return this.#took(batch, cost);
  }

  /**
   * Takes the next batch as `take` does, asking `admit` of each item in order whether it
   * rides; one that does not is left out for its caller to be told (it stays counted here
   * until the engine removes it).
   */
  takeAdmitted(limits: BatchLimits, admit: Admit): { batch: Entry<unknown>[]; skipped: Entry<unknown>[] } {
    const batch: Entry<unknown>[] = [];
    const skipped: Entry<unknown>[] = [];
    let cost = 0;
    lanes: for (const lane of this.#lanes) {
      for (let entry = lane.front(); entry !== undefined; entry = lane.front()) {
        const fits =
          batch.length < limits.maxBatchSize && (batch.length === 0 || cost + entry.cost <= limits.maxBatchCost);
        if (!fits) break lanes;
        lane.head++;
        if (admit(entry)) {
          cost += entry.cost;
          batch.push(entry);
        } else {
          skipped.push(entry);
        }
      }
    }
    return { batch: this.#took(batch, cost), skipped };
  }

  /**
   * The work of the next batch as the queue stands (`costed`: its cost, else its size), taken
   * to be as full as the queue allows: a forecast, for shedding, not what `take` will take.
   */
  nextBatchWork(limits: BatchLimits, costed: boolean): number {
    return costed ? Math.min(this.cost, limits.maxBatchCost) : Math.min(this.size, limits.maxBatchSize);
  }

  /** How many items the next batch takes. */
  #fitting(limits: BatchLimits): number {
    const { maxBatchSize, maxBatchCost } = limits;
    if (this.cost <= maxBatchCost) return Math.min(this.size, maxBatchSize); // the budget is no limit
    let count = 0;
    let cost = 0;
    for (const lane of this.#lanes) {
      for (let i = lane.head; i < lane.entries.length; i++) {
        const entry = lane.entries[i]!;
        if (entry.state !== QUEUED) continue;
        if (count === maxBatchSize || (count > 0 && cost + entry.cost > maxBatchCost)) return count;
        cost += entry.cost;
        count++;
      }
    }
    return count;
  }

  /** Every item queued here, in no particular order. */
  *queued(): Generator<Entry<unknown>> {
    for (const lane of this.#lanes) {
      for (let i = lane.head; i < lane.entries.length; i++) {
        const entry = lane.entries[i]!;
        if (entry.state === QUEUED) yield entry;
      }
    }
  }

  #took(batch: Entry<unknown>[], cost: number): Entry<unknown>[] {
    this.size -= batch.length;
    this.cost -= cost;
    // Lanes of other priorities that have emptied go, so odd priorities over time leave nothing.
    if (this.#lanes.length > 1) this.#lanes = this.#lanes.filter((lane) => lane.front() !== undefined);
    if (this.#lanes.length === 0) this.#lanes = [new Lane(0)];
    return batch;
  }

  #laneFor(priority: number): Lane {
    const lanes = this.#lanes;
    if (lanes[0]!.priority === priority) return lanes[0]!; // the common case: one priority
    let i = 0;
    while (i < lanes.length && lanes[i]!.priority > priority) i++;
    if (i < lanes.length && lanes[i]!.priority === priority) return lanes[i]!;
    const lane = new Lane(priority);
    lanes.splice(i, 0, lane);
    return lane;
  }
}

/**
 * contract §3 and §9: which items form the next batch, and whether it is full. Items without a
 * partition key share one partition; each key has its own, forgotten as soon as it empties
 * (so a million keys over time leave nothing behind).
 */
export class BatchQueue {
  /** Items queued, over every partition. */
  size = 0;
  readonly #unkeyed = new Partition(undefined);
  readonly #keyed = new Map<unknown, Partition>();

  /** Queues an item under its key (undefined: no key) and priority, and returns its partition. */
  add(entry: Entry<unknown>, key: unknown, priority = 0): Partition {
    let partition = this.#unkeyed;
    if (key !== undefined) {
      let found = this.#keyed.get(key);
      if (found === undefined) this.#keyed.set(key, (found = new Partition(key)));
      partition = found;
    }
    partition.add(entry, priority);
    entry.partition = partition;
    this.size++;
    return partition;
  }

  /** Takes out an item that leaves before its batch (an abort, a deadline). */
  remove(entry: Entry<unknown>): void {
    const partition = entry.partition!;
    entry.partition = undefined;
    partition.remove(entry);
    this.size--;
    this.#forgetIfEmpty(partition);
  }

  /** Takes the next batch from a partition. */
  take(partition: Partition, limits: BatchLimits): Entry<unknown>[] {
    return this.#handedOut(partition, partition.take(limits));
  }

  /** Takes the next batch from a partition, asking `admit` of each item (see `Partition.takeAdmitted`). */
  takeAdmitted(
    partition: Partition,
    limits: BatchLimits,
    admit: Admit,
  ): { batch: Entry<unknown>[]; skipped: Entry<unknown>[] } {
    const taken = partition.takeAdmitted(limits, admit);
    this.#handedOut(partition, taken.batch);
    return taken;
  }

  /** A batch taken from `partition` leaves the queue's books. */
  #handedOut(partition: Partition, batch: Entry<unknown>[]): Entry<unknown>[] {
    for (let i = 0; i < batch.length; i++) batch[i]!.partition = undefined; // indexed: see Batcher#dispatch
    this.size -= batch.length;
    this.#forgetIfEmpty(partition);
    return batch;
  }

  /** The partition of items without a key. */
  get unkeyed(): Partition {
    return this.#unkeyed;
  }

  /** The partition of `key`, if it has items queued. */
  partitionFor(key: unknown): Partition | undefined {
    return this.#keyed.get(key);
  }

  /** Every partition with items queued. */
  *partitions(): Generator<Partition> {
    if (this.#unkeyed.size > 0) yield this.#unkeyed;
    yield* this.#keyed.values();
  }

  /** Keys with items queued (the unkeyed partition counts as one). */
  get partitionCount(): number {
    return this.#keyed.size + (this.#unkeyed.size > 0 ? 1 : 0);
  }

  /**
   * Of the partitions for which `isDue` holds, the one whose oldest item has waited longest,
   * so that no key starves another; or, with no `isDue`, the oldest of all.
   */
  oldest(isDue?: (partition: Partition, oldest: Entry<unknown>) => boolean): Partition | undefined {
    let best: Partition | undefined;
    let bestSeq = Infinity;
    const consider = (partition: Partition): void => {
      const oldest = partition.oldest();
      if (oldest === undefined || oldest.seq >= bestSeq) return;
      if (isDue !== undefined && !isDue(partition, oldest)) return;
      best = partition;
      bestSeq = oldest.seq;
    };
    if (this.#unkeyed.size > 0) consider(this.#unkeyed);
    if (this.#keyed.size > 0) for (const partition of this.#keyed.values()) consider(partition);
    return best;
  }

  /** Every item queued, in no particular order. */
  *queued(): Generator<Entry<unknown>> {
    yield* this.#unkeyed.queued();
    for (const partition of this.#keyed.values()) yield* partition.queued();
  }

  #forgetIfEmpty(partition: Partition): void {
    if (partition.size === 0 && partition !== this.#unkeyed) this.#keyed.delete(partition.key);
  }
}
