import { keepHiddenClass } from './hidden-classes.js';
import { type CallRecord, type Settle, SETTLED } from './call-record.js';

/** A chunk holds at most this many calls, whatever `maxBatchSize` is. */
const MAX_CHUNK = 1024;

/** Past this many used-up chunks in front, the list of chunks is compacted. */
const COMPACT_AFTER = 64;

/**
 * A run of calls of one lane, kept as parallel arrays: what every call has (item, settler)
 * one slot each, and what only some have in arrays made when the first call that needs one
 * arrives: a record, a cost, a sequence number that does not follow the one before (another
 * partition or priority came between), an arrival stamp unlike the first (calls of one turn
 * share one with `delay: 0`). A pending call so costs its promise, its settler and two slots.
 *
 * A chunk holds a batch's worth of calls, so a full batch is one whole chunk, whose arrays
 * are handed to it as they are. Nothing is copied or compacted behind the front, and no
 * array grows past a batch: a queue of a million calls is a thousand small arrays, not four
 * huge ones (which the collector would have to allocate in its large-object space, again at
 * every growth).
 */
export class Chunk {
  items: unknown[] = [];
  settlers: Settle[] = [];
  /** The first call's sequence number; the others follow it one by one, unless `seqs` is made. */
  firstSeq = 0;
  /** Each call's sequence number, by index; made for the first that does not follow. */
  seqs: number[] | undefined = undefined;
  /** The first call's arrival stamp (whole ms on the monotonic clock); the others share it, unless `stamps` is made. */
  firstStamp = 0;
  /** Each call's stamp, by index; made for the first unlike `firstStamp`. */
  stamps: number[] | undefined = undefined;
  /** The record of each call that has one, by index; a holey array, made for the first. */
  records: (CallRecord | undefined)[] | undefined = undefined;
  /** Each call's cost, by index; made for the first costed call. */
  costs: number[] | undefined = undefined;
  /** Index of the first call not yet taken. */
  head = 0;

  constructor(readonly capacity: number) {}

  add(item: unknown, settle: Settle, seq: number, stamp: number, cost: number, record: CallRecord | undefined): void {
    const index = this.items.length;
    this.items.push(item);
    this.settlers.push(settle);
    if (index === 0) {
      this.firstSeq = seq;
      this.firstStamp = stamp;
    } else {
      if (this.seqs !== undefined) this.seqs.push(seq);
      else if (seq !== this.firstSeq + index) (this.seqs = spelledOut(index, (i) => this.firstSeq + i)).push(seq);
      if (this.stamps !== undefined) this.stamps.push(stamp);
      else if (stamp !== this.firstStamp) (this.stamps = spelledOut(index, () => this.firstStamp)).push(stamp);
    }
    if (record !== undefined) (this.records ??= [])[index] = record;
    if (cost !== 0) (this.costs ??= [])[index] = cost;
  }

  /** Whether the call at `index` left early (its record says SETTLED): a tombstone, passed over. */
  isTombstone(index: number): boolean {
    return this.records !== undefined && this.records[index]?.state === SETTLED;
  }

  costAt(index: number): number {
    return this.costs?.[index] ?? 0;
  }

  seqAt(index: number): number {
    return this.seqs === undefined ? this.firstSeq + index : this.seqs[index]!;
  }

  stampAt(index: number): number {
    return this.stamps === undefined ? this.firstStamp : this.stamps[index]!;
  }
}

/** An array of the first `length` values of `at`: a run's numbers, written out once they stop following the rule. */
function spelledOut(length: number, at: (index: number) => number): number[] {
  const values: number[] = [];
  for (let i = 0; i < length; i++) values.push(at(i));
  return values;
}

/**
 * The calls of one priority in one partition, in arrival order: a queue of chunks. Calls
 * that leave early stay behind as tombstones until the front passes them, so removal is O(1).
 */
export class Lane {
  /** Chunks from `first` on are queued, oldest first; the last is the one being filled. */
  chunks: Chunk[] = [];
  /**
   * Index of the front chunk. Used-up chunks are passed, not shifted out: `shift()` moves
   * every element, with a write barrier each while the collector marks (measured: it made
   * fanning out 100,000 queued calls three times slower).
   */
  first = 0;

  constructor(readonly priority: number) {}

  /** Queues a call; a new chunk holds `chunkSize` calls. */
  add(
    chunkSize: number,
    item: unknown,
    settle: Settle,
    seq: number,
    stamp: number,
    cost: number,
    record: CallRecord | undefined,
  ): void {
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || last.items.length >= last.capacity) {
      last = new Chunk(Math.min(chunkSize, MAX_CHUNK));
      this.chunks.push(last);
    }
    last.add(item, settle, seq, stamp, cost, record);
  }

  /**
   * The chunk holding the first call still queued, its `head` at that call; undefined when
   * none is. Passes the tombstones in front of it and drops the chunks used up.
   */
  front(): Chunk | undefined {
    const chunks = this.chunks;
    while (this.first < chunks.length) {
      const chunk = chunks[this.first]!;
      if (chunk.records !== undefined) {
        while (chunk.head < chunk.items.length && chunk.isTombstone(chunk.head)) chunk.head++;
      }
      if (chunk.head < chunk.items.length) {
        if (this.first > COMPACT_AFTER && this.first * 2 > chunks.length) this.#compact();
        return chunk;
      }
      this.first++; // used up: the next call starts a new chunk
    }
    if (this.first > 0) this.#compact(); // every chunk used up: start afresh
    return undefined;
  }

  /** The front chunk leaves whole: its arrays were handed to a batch. */
  handOver(chunk: Chunk): void {
    if (this.chunks[this.first] !== chunk) return;
    this.first++;
    // Never fill a chunk behind the front: its arrays belong to a batch now.
    if (this.first === this.chunks.length) this.#compact();
  }

  /** Every chunk queued, front first. */
  queued(): Chunk[] {
    return this.chunks.slice(this.first);
  }

  /** Drops the chunks behind the front. */
  #compact(): void {
    this.chunks = this.chunks.slice(this.first);
    this.first = 0;
  }
}

keepHiddenClass(new Chunk(1));
keepHiddenClass(new Lane(0));
