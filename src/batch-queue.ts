import { keepHiddenClass } from './hidden-classes.js';
import { CallRecord, SETTLED, type Settle } from './call-record.js';
import { type Chunk, Lane } from './lane.js';

/** What bounds one batch. Without a cost budget, `maxBatchCost` is `Infinity` and costs are 0. */
export interface BatchLimits {
  readonly maxBatchSize: number;
  readonly maxBatchCost: number;
}

/** What `Partition.takeAdmitted` asks of each call that has a record, in order: does it ride? */
export type Admit = (record: CallRecord) => boolean;

/** The calls of one batch, taken from the queue: parallel arrays, in batch order. */
export interface Taken {
  readonly items: unknown[];
  readonly settlers: Settle[];
  /** The first call's arrival stamp. */
  readonly firstStamp: number;
  /** Each call's stamp, by index; undefined when they all share `firstStamp`. */
  readonly stamps: number[] | undefined;
  /** The record of each call that has one, by index; undefined when none has. */
  readonly records: (CallRecord | undefined)[] | undefined;
  /** The lowest sequence number among them (for `drain`). */
  readonly minSeq: number;
  /** Their total cost. */
  readonly cost: number;
}

/** A queued call as the rare paths see it (`configure`, tests): made on demand, not kept. */
export interface QueuedCall {
  readonly item: unknown;
  readonly seq: number;
  readonly stamp: number;
  readonly cost: number;
  readonly settle: Settle;
  readonly record: CallRecord | undefined;
  readonly partition: Partition;
  /** Marks it as gone: a tombstone, passed over when its lane is read. */
  tombstone(): void;
}

/** A batch under construction, one call at a time (the general path of `take`). */
class TakenBuilder implements Taken {
  items: unknown[] = [];
  settlers: Settle[] = [];
  firstStamp = 0;
  stamps: number[] = [];
  records: (CallRecord | undefined)[] | undefined = undefined;
  minSeq = Infinity;
  cost = 0;

  push(chunk: Chunk, index: number): void {
    const at = this.items.length;
    this.items.push(chunk.items[index]);
    this.settlers.push(chunk.settlers[index]!);
    if (at === 0) this.firstStamp = chunk.stampAt(index);
    this.stamps.push(chunk.stampAt(index));
    const record = chunk.records?.[index];
    if (record !== undefined) (this.records ??= [])[at] = record;
    this.cost += chunk.costAt(index);
    const seq = chunk.seqAt(index);
    if (seq < this.minSeq) this.minSeq = seq;
  }
}

/**
 * The queue of one partition key: one lane per priority, highest first. Its window is that of
 * its oldest call, whatever that call's priority; a batch takes calls in priority order.
 */
export class Partition {
  /** Calls queued here now. */
  size = 0;
  /** Their total cost. */
  cost = 0;
  /** Lanes by descending priority; almost always one. */
  #lanes: Lane[];

  constructor(readonly key: unknown) {
    this.#lanes = [new Lane(0)];
  }

  /** Queues a call; a new chunk of its lane holds `chunkSize` calls. */
  add(
    chunkSize: number,
    priority: number,
    item: unknown,
    settle: Settle,
    seq: number,
    stamp: number,
    cost: number,
    record: CallRecord | undefined,
  ): void {
    this.#laneFor(priority).add(chunkSize, item, settle, seq, stamp, cost, record);
    this.size++;
    this.cost += cost;
    if (record !== undefined) record.partition = this;
  }

  /**
   * Moves a queued call with a record to a higher priority's lane (a slot shared by `key`
   * whose new caller outranks it, contract §11). It keeps its sequence number and stamp, so
   * its window is unchanged, and goes to the back of that lane; its old place is a tombstone.
   */
  raise(chunkSize: number, record: CallRecord, priority: number): void {
    for (const lane of this.#lanes) {
      if (lane.priority >= priority) continue;
      for (const chunk of lane.queued()) {
        const index = chunk.records?.indexOf(record, chunk.head) ?? -1;
        if (index < 0) continue;
        const moved = new CallRecord(record.settle, record.cost, undefined);
        moved.state = SETTLED;
        chunk.records![index] = moved;
        const seq = chunk.seqAt(index);
        const stamp = chunk.stampAt(index);
        this.#laneFor(priority).add(chunkSize, chunk.items[index], record.settle, seq, stamp, record.cost, record);
        return;
      }
    }
  }

  /** Counts out a call that left the queue early; its tombstone stays until passed. */
  remove(cost: number): void {
    this.size--;
    this.cost -= cost;
  }

  /**
   * Full: the next batch could take no more. Taken in order, the calls fit until the count
   * or the budget runs out, so the batch is full exactly when one of them runs out here.
   */
  isFull(limits: BatchLimits): boolean {
    return this.size >= limits.maxBatchSize || this.cost > limits.maxBatchCost;
  }

  /** The sequence number of the call that has waited longest (whatever its priority), or Infinity. */
  oldestSeq(): number {
    const chunk = this.#oldestFront();
    return chunk === undefined ? Infinity : chunk.seqAt(chunk.head);
  }

  /** When the call that has waited longest arrived (whole ms), or NaN when none is queued. */
  oldestStamp(): number {
    const chunk = this.#oldestFront();
    return chunk === undefined ? NaN : chunk.stampAt(chunk.head);
  }

  /** The cost of the call the next batch takes first, or undefined when none is queued. */
  nextCost(): number | undefined {
    for (const lane of this.#lanes) {
      const chunk = lane.front();
      if (chunk !== undefined) return chunk.costAt(chunk.head);
    }
    return undefined;
  }

  /** The call that has waited longest, for the rare paths. */
  oldest(): QueuedCall | undefined {
    const chunk = this.#oldestFront();
    return chunk === undefined ? undefined : this.#view(chunk, chunk.head);
  }

  /**
   * Takes the next batch: highest priority first, arrival order within a priority, while
   * the count and the cost fit. It stops at the first call that does not fit: none is passed
   * over, so none starves. The first call always goes (no single call exceeds the budget).
   */
  take(limits: BatchLimits): Taken {
    const count = this.#fitting(limits);
    const lanes = this.#lanes;
    // The common case: one lane, and the batch is a run of its front chunk without tombstones.
    if (lanes.length === 1) {
      const lane = lanes[0]!;
      const chunk = lane.front();
      if (chunk !== undefined && chunk.records === undefined && chunk.head + count <= chunk.items.length) {
        return this.#took(takeRun(lane, chunk, count));
      }
    }
    const taken = new TakenBuilder();
    for (const lane of lanes) {
      for (let chunk = lane.front(); chunk !== undefined && taken.items.length < count; chunk = lane.front()) {
        taken.push(chunk, chunk.head++);
      }
    }
    return this.#took(taken);
  }

  /**
   * Takes the next batch as `take` does, asking `admit` of each call with a record whether it
   * rides; one that does not is left out for its caller to be told (it stays counted here
   * until the engine removes it). A call without a record has no deadline: it always rides.
   */
  takeAdmitted(limits: BatchLimits, admit: Admit): { taken: Taken; skipped: CallRecord[] } {
    const taken = new TakenBuilder();
    const skipped: CallRecord[] = [];
    lanes: for (const lane of this.#lanes) {
      for (let chunk = lane.front(); chunk !== undefined; chunk = lane.front()) {
        const index = chunk.head;
        const size = taken.items.length;
        const fits =
          size < limits.maxBatchSize && (size === 0 || taken.cost + chunk.costAt(index) <= limits.maxBatchCost);
        if (!fits) break lanes;
        chunk.head++;
        const record = chunk.records?.[index];
        if (record === undefined || admit(record)) taken.push(chunk, index);
        else skipped.push(record);
      }
    }
    return { taken: this.#took(taken), skipped };
  }

  /**
   * The work of the next batch as the queue stands (`costed`: its cost, else its size), taken
   * to be as full as the queue allows: a forecast, for shedding, not what `take` will take.
   */
  nextBatchWork(limits: BatchLimits, costed: boolean): number {
    return costed ? Math.min(this.cost, limits.maxBatchCost) : Math.min(this.size, limits.maxBatchSize);
  }

  /**
   * The calls a new call of `priority` would queue behind, as a batch takes them: those of its
   * priority or higher (contract §9). Their count and total cost; the whole partition in the
   * common case, where no call of a lower priority waits.
   */
  ahead(priority: number): { size: number; cost: number } {
    const lanes = this.#lanes;
    if (lanes[lanes.length - 1]!.priority >= priority) return { size: this.size, cost: this.cost };
    let size = 0;
    let cost = 0;
    for (const lane of lanes) {
      if (lane.priority < priority) break; // lanes go by descending priority
      for (const chunk of lane.queued()) {
        for (let i = chunk.head; i < chunk.items.length; i++) {
          if (chunk.isTombstone(i)) continue;
          size++;
          cost += chunk.costAt(i);
        }
      }
    }
    return { size, cost };
  }

  /** Every call queued here, in no particular order. */
  *queued(): Generator<QueuedCall> {
    for (const lane of this.#lanes) {
      for (const chunk of lane.queued()) {
        for (let i = chunk.head; i < chunk.items.length; i++) if (!chunk.isTombstone(i)) yield this.#view(chunk, i);
      }
    }
  }

  /** How many calls the next batch takes. */
  #fitting(limits: BatchLimits): number {
    const { maxBatchSize, maxBatchCost } = limits;
    if (this.cost <= maxBatchCost) return Math.min(this.size, maxBatchSize); // the budget is no limit
    let count = 0;
    let cost = 0;
    for (const lane of this.#lanes) {
      for (const chunk of lane.queued()) {
        for (let i = chunk.head; i < chunk.items.length; i++) {
          if (chunk.isTombstone(i)) continue;
          const itemCost = chunk.costAt(i);
          if (count === maxBatchSize || (count > 0 && cost + itemCost > maxBatchCost)) return count;
          cost += itemCost;
          count++;
        }
      }
    }
    return count;
  }

  /** The front chunk of the lane whose first queued call is the oldest. */
  #oldestFront(): Chunk | undefined {
    const lanes = this.#lanes;
    let oldest: Chunk | undefined;
    for (let i = 0; i < lanes.length; i++) {
      const front = lanes[i]!.front();
      if (front !== undefined && (oldest === undefined || front.seqAt(front.head) < oldest.seqAt(oldest.head)))
        oldest = front;
    }
    return oldest;
  }

  #view(chunk: Chunk, index: number): QueuedCall {
    const record = chunk.records?.[index];
    const cost = chunk.costAt(index);
    return {
      item: chunk.items[index],
      seq: chunk.seqAt(index),
      stamp: chunk.stampAt(index),
      cost,
      settle: chunk.settlers[index]!,
      record,
      partition: this,
      tombstone: () => {
        const gone = record ?? new CallRecord(chunk.settlers[index]!, cost, undefined);
        gone.state = SETTLED;
        (chunk.records ??= [])[index] = gone;
      },
    };
  }

  #took(taken: Taken): Taken {
    this.size -= taken.items.length;
    this.cost -= taken.cost;
    // Lanes of other priorities that have emptied go, so odd priorities over time leave nothing.
    if (this.#lanes.length > 1) this.#lanes = this.#lanes.filter((lane) => lane.front() !== undefined);
    if (this.#lanes.length === 0) this.#lanes = [new Lane(0)];
    return taken;
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
 * `count` calls from the front of a chunk without tombstones: the chunk's own arrays when the
 * batch takes all of it (the lane lets it go), else copies of the run.
 */
function takeRun(lane: Lane, chunk: Chunk, count: number): Taken {
  const from = chunk.head;
  const to = from + count;
  let cost = 0;
  if (chunk.costs !== undefined) for (let i = from; i < to; i++) cost += chunk.costAt(i);
  const minSeq = chunk.seqAt(from);
  const firstStamp = chunk.stampAt(from);
  chunk.head = to;
  if (from === 0 && to === chunk.items.length) {
    lane.handOver(chunk);
    return run(chunk.items, chunk.settlers, firstStamp, chunk.stamps, minSeq, cost);
  }
  const stamps = chunk.stamps?.slice(from, to);
  return run(chunk.items.slice(from, to), chunk.settlers.slice(from, to), firstStamp, stamps, minSeq, cost);
}

/** One place that makes a run's `Taken`, so that every run has one hidden class. */
function run(
  items: unknown[],
  settlers: Settle[],
  firstStamp: number,
  stamps: number[] | undefined,
  minSeq: number,
  cost: number,
): Taken {
  return { items, settlers, firstStamp, stamps, records: undefined, minSeq, cost };
}

/**
 * contract §3 and §9: which calls form the next batch, and whether it is full. Calls without a
 * partition key share one partition; each key has its own, forgotten as soon as it empties
 * (so a million keys over time leave nothing behind).
 */
export class BatchQueue {
  /** Calls queued, over every partition. */
  size = 0;
  /** How many calls a new chunk holds: `maxBatchSize`, so that a full batch is one whole chunk. */
  chunkSize = 64;
  readonly #unkeyed = new Partition(undefined);
  readonly #keyed = new Map<unknown, Partition>();

  /** The partition a call with this key (undefined: no key) joins, made if it has none. */
  partitionOf(key: unknown): Partition {
    if (key === undefined) return this.#unkeyed;
    let found = this.#keyed.get(key);
    if (found === undefined) this.#keyed.set(key, (found = new Partition(key)));
    return found;
  }

  /** Queues a call in `partition` (from `partitionOf`) under its priority. */
  add(
    partition: Partition,
    priority: number,
    item: unknown,
    settle: Settle,
    seq: number,
    stamp: number,
    cost: number,
    record: CallRecord | undefined,
  ): void {
    partition.add(this.chunkSize, priority, item, settle, seq, stamp, cost, record);
    this.size++;
  }

  /** Moves a queued call with a record to a higher priority (see `Partition.raise`). */
  raise(record: CallRecord, priority: number): void {
    record.partition?.raise(this.chunkSize, record, priority);
  }

  /** Takes out a call that leaves before its batch (an abort, a deadline); its record already says SETTLED. */
  remove(record: CallRecord): void {
    const partition = record.partition!;
    record.partition = undefined;
    this.#countOut(partition, record.cost);
  }

  /** Takes out a queued call seen through `queued()`; its caller is the engine's business. */
  removeQueued(call: QueuedCall): void {
    if (call.record !== undefined) call.record.partition = undefined;
    call.tombstone();
    this.#countOut(call.partition, call.cost);
  }

  /** A call of `partition` left before its batch: out of the counts, and the key forgotten if it emptied. */
  #countOut(partition: Partition, cost: number): void {
    partition.remove(cost);
    this.size--;
    this.#forgetIfEmpty(partition);
  }

  /** Takes the next batch from a partition. */
  take(partition: Partition, limits: BatchLimits): Taken {
    return this.#handedOut(partition, partition.take(limits));
  }

  /** Takes the next batch from a partition, asking `admit` of each call (see `Partition.takeAdmitted`). */
  takeAdmitted(partition: Partition, limits: BatchLimits, admit: Admit): { taken: Taken; skipped: CallRecord[] } {
    const result = partition.takeAdmitted(limits, admit);
    this.#handedOut(partition, result.taken);
    return result;
  }

  /** A batch taken from `partition` leaves the queue's books. */
  #handedOut(partition: Partition, taken: Taken): Taken {
    const records = taken.records;
    if (records !== undefined) for (const record of records) if (record !== undefined) record.partition = undefined;
    this.size -= taken.items.length;
    this.#forgetIfEmpty(partition);
    return taken;
  }

  /** The partition of calls without a key. */
  get unkeyed(): Partition {
    return this.#unkeyed;
  }

  /**
   * The partition of `key`, if it has calls queued; for no key (undefined), the partition of
   * calls without one, which is always there.
   */
  partitionFor(key: unknown): Partition | undefined {
    return key === undefined ? this.#unkeyed : this.#keyed.get(key);
  }

  /** Every partition with calls queued. */
  *partitions(): Generator<Partition> {
    if (this.#unkeyed.size > 0) yield this.#unkeyed;
    yield* this.#keyed.values();
  }

  /** Keys with calls queued (the unkeyed partition counts as one). */
  get partitionCount(): number {
    return this.#keyed.size + (this.#unkeyed.size > 0 ? 1 : 0);
  }

  /**
   * Of the partitions for which `isDue` holds, the one whose oldest call has waited longest,
   * so that no key starves another; or, with no `isDue`, the oldest of all.
   */
  oldest(isDue?: (partition: Partition) => boolean): Partition | undefined {
    // The common case, no keys: no search.
    if (this.#keyed.size === 0) {
      return this.#unkeyed.size > 0 && (isDue === undefined || isDue(this.#unkeyed)) ? this.#unkeyed : undefined;
    }
    let best: Partition | undefined;
    let bestSeq = Infinity;
    const consider = (partition: Partition): void => {
      const seq = partition.oldestSeq();
      if (seq >= bestSeq) return;
      if (isDue !== undefined && !isDue(partition)) return;
      best = partition;
      bestSeq = seq;
    };
    if (this.#unkeyed.size > 0) consider(this.#unkeyed);
    for (const partition of this.#keyed.values()) consider(partition);
    return best;
  }

  /** The sequence number of the oldest call queued, or Infinity. */
  oldestSeq(): number {
    return this.oldest()?.oldestSeq() ?? Infinity;
  }

  /** Every call queued, in no particular order. */
  *queued(): Generator<QueuedCall> {
    yield* this.#unkeyed.queued();
    for (const partition of this.#keyed.values()) yield* partition.queued();
  }

  #forgetIfEmpty(partition: Partition): void {
    if (partition.size === 0 && partition !== this.#unkeyed) this.#keyed.delete(partition.key);
  }
}

// Kept with fractional costs, as costed calls may have (see hidden-classes.ts).
const keptQueue = new BatchQueue();
keptQueue.unkeyed.cost = 0.5;
keepHiddenClass(keptQueue);
keepHiddenClass(keptQueue.unkeyed);
keepHiddenClass(Object.assign(new TakenBuilder(), { cost: 0.5 }));
