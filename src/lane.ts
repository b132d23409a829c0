import { type CallRecord, type Settle, SETTLED } from './call-record.js';

/** Past this many calls taken from the front of a lane, its arrays are compacted. */
const COMPACT_AFTER = 1024;

/**
 * The calls of one priority in one partition, in arrival order, kept as parallel arrays: what
 * every call has (item, settler, sequence number, arrival stamp) one slot each, and what only
 * some have (a record, a cost) in arrays made when the first call that has one arrives. A
 * pending call so costs its promise, its settler and four array slots (contract §3 order).
 *
 * Calls that leave early (an abort, a deadline) stay behind as tombstones (their record says
 * SETTLED) until the front passes them, so removal is O(1).
 */
export class Lane {
  items: unknown[] = [];
  settlers: Settle[] = [];
  seqs: number[] = [];
  /** Whole ms on the monotonic clock: small integers, which the arrays keep unboxed. */
  stamps: number[] = [];
  /** The record of each call that has one, by index; a holey array, made for the first. */
  records: (CallRecord | undefined)[] | undefined = undefined;
  /** Each call's cost, by index; made for the first costed call. */
  costs: number[] | undefined = undefined;
  /** Index of the first call not yet taken. */
  head = 0;

  constructor(readonly priority: number) {}

  add(item: unknown, settle: Settle, seq: number, stamp: number, cost: number, record: CallRecord | undefined): void {
    const index = this.items.length;
    this.items.push(item);
    this.settlers.push(settle);
    this.seqs.push(seq);
    this.stamps.push(stamp);
    if (record !== undefined) (this.records ??= [])[index] = record;
    if (cost !== 0) (this.costs ??= [])[index] = cost;
  }

  /** The index of the first call still queued, or -1; passes the tombstones in front of it. */
  front(): number {
    const records = this.records;
    if (records !== undefined) {
      while (this.head < this.items.length && records[this.head]?.state === SETTLED) this.head++;
    }
    if (this.head === this.items.length) {
      if (this.head > 0) this.handOver();
      return -1;
    }
    if (this.head > COMPACT_AFTER && this.head * 2 > this.items.length) this.#compact();
    return this.head;
  }

  /** Whether the call at `index` left early. */
  isTombstone(index: number): boolean {
    return this.records !== undefined && this.records[index]?.state === SETTLED;
  }

  costAt(index: number): number {
    return this.costs?.[index] ?? 0;
  }

  /** Starts new arrays: the old ones were handed to a batch whole, or every call in them has gone. */
  handOver(): void {
    this.items = [];
    this.settlers = [];
    this.seqs = [];
    this.stamps = [];
    this.records = undefined;
    this.costs = undefined;
    this.head = 0;
  }

  #compact(): void {
    const from = this.head;
    this.items = this.items.slice(from);
    this.settlers = this.settlers.slice(from);
    this.seqs = this.seqs.slice(from);
    this.stamps = this.stamps.slice(from);
    this.records = this.records?.slice(from);
    this.costs = this.costs?.slice(from);
    this.head = 0;
  }
}
