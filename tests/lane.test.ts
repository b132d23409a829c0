import { BatchQueue, type BatchLimits } from '../src/batch-queue.js';
import { CallRecord, SETTLED } from '../src/call-record.js';
import { Lane } from '../src/lane.js';

// How a lane keeps its calls: chunks of a batch's worth of parallel arrays, a record or a
// number or a stamp spelled out only for the calls that need one. No timers, no engine.

const noop = (): void => undefined;
const limits = (maxBatchSize: number): BatchLimits => ({ maxBatchSize, maxBatchCost: Infinity });

/** A queue whose chunks hold `chunkSize` calls; `add` queues item `seq` with stamp `stamp` (default: its number). */
function queueOf(chunkSize: number) {
  const queue = new BatchQueue();
  queue.chunkSize = chunkSize;
  let seq = 0;
  const add = (item: unknown, { key, stamp, record }: { key?: string; stamp?: number; record?: CallRecord } = {}) => {
    seq++;
    queue.add(queue.partitionOf(key), 0, item, record?.settle ?? noop, seq, stamp ?? seq, 0, record);
  };
  return { queue, add };
}

test('a batch that takes every call of its chunk takes the chunk whole; a call made after it is queued in a new one', () => {
  const { queue, add } = queueOf(4); // room for a fourth call in the chunk the batch takes
  for (const item of ['a', 'b', 'c']) add(item, { stamp: 7 });
  const taken = queue.take(queue.unkeyed, limits(4));
  expect(taken.items).toEqual(['a', 'b', 'c']);
  add('d');
  expect(queue.size).toBe(1);
  expect(queue.unkeyed.oldest()?.item).toBe('d');
  expect(queue.take(queue.unkeyed, limits(3)).items).toEqual(['d']);
  expect(taken.items).toEqual(['a', 'b', 'c']); // the batch's arrays were not written to
});

test('a batch smaller than its chunk takes a copy of the run; later calls fill the same chunk', () => {
  const { queue, add } = queueOf(4);
  add('a');
  add('b');
  expect(queue.take(queue.unkeyed, limits(1)).items).toEqual(['a']);
  add('c');
  add('d');
  expect(queue.take(queue.unkeyed, limits(4)).items).toEqual(['b', 'c', 'd']);
  expect(queue.size).toBe(0);
});

test('numbers and stamps are spelled out once they stop following the first call', () => {
  const { queue, add } = queueOf(8);
  add('a1', { key: 'a', stamp: 5 });
  add('b1', { key: 'b', stamp: 5 });
  add('a2', { key: 'a', stamp: 5 }); // number 3 after 1: partition a's numbers stop following
  add('a3', { key: 'a', stamp: 6 }); // a later stamp
  const a = queue.partitionFor('a')!;
  expect(queue.oldest()).toBe(a);
  const taken = queue.take(a, limits(8));
  expect(taken.items).toEqual(['a1', 'a2', 'a3']);
  expect(taken.minSeq).toBe(1);
  expect(taken.firstStamp).toBe(5);
  expect(taken.stamps).toEqual([5, 5, 6]);
  expect(queue.partitionFor('b')!.oldestSeq()).toBe(2);
  // Calls of one turn share a stamp: none is kept per call.
  const { queue: shared, add: addShared } = queueOf(8);
  for (const item of ['x', 'y', 'z']) addShared(item, { stamp: 9 });
  const run = shared.take(shared.unkeyed, limits(8));
  expect([run.firstStamp, run.stamps]).toEqual([9, undefined]);
});

test('tombstones are passed over across chunks', () => {
  const { queue, add } = queueOf(2);
  const gone = [new CallRecord(noop, 0, undefined), new CallRecord(noop, 0, undefined)];
  add('a', { record: gone[0] });
  add('b', { record: gone[1] }); // the first chunk: both leave
  add('c');
  for (const record of gone) {
    record.state = SETTLED;
    queue.remove(record);
  }
  expect(queue.size).toBe(1);
  expect(queue.unkeyed.oldest()?.item).toBe('c');
  expect(queue.take(queue.unkeyed, limits(2)).items).toEqual(['c']);
});

test('a lane that is never empty does not keep its used-up chunks', () => {
  const lane = new Lane(0);
  for (let seq = 1; seq <= 100_000; seq++) {
    lane.add(10, seq, noop, seq, 0, 0, undefined);
    if (seq % 10 === 0) lane.handOver(lane.front()!); // a batch takes the front chunk whole
    if (seq % 10 === 5) lane.front()!.head += 5; // or a copy of half of it
  }
  expect(lane.chunks.length - lane.first).toBeLessThanOrEqual(1);
  expect(lane.chunks.length).toBeLessThan(200);
});
