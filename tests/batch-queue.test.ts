import { BatchQueue, type BatchLimits, type Partition, type Taken } from '../src/batch-queue.js';
import { CallRecord, SETTLED } from '../src/call-record.js';

// The queue discipline on its own (contract §3 order, §9 cost, partitions, priority): which
// items form the next batch, and whether it is full. No timers, no engine.

let seq = 0;
beforeEach(() => (seq = 0));
// Each call here has a record, as a call with a signal or deadline does (so it can leave early).
type TestCall = CallRecord & { readonly item: string; readonly seq: number };
const entry = (item: string, { cost = 0 } = {}): TestCall =>
  Object.assign(new CallRecord(() => undefined, cost, undefined), { item, seq: ++seq });
/** Queues a call under its key and priority, as the engine does; returns its partition. */
const add = (queue: BatchQueue, call: TestCall, key: unknown, priority = 0): Partition => {
  const partition = queue.partitionOf(key);
  queue.add(partition, priority, call.item, call.settle, call.seq, call.seq, call.cost, call);
  return partition;
};
const items = (batch: Taken) => batch.items;
const limits = (maxBatchSize: number, maxBatchCost = Infinity): BatchLimits => ({ maxBatchSize, maxBatchCost });

test('takes from the front in arrival order, up to maxBatchSize', () => {
  const queue = new BatchQueue();
  const partition = add(queue, entry('a'), undefined);
  add(queue, entry('b'), undefined);
  add(queue, entry('c'), undefined);
  expect(partition.isFull(limits(3))).toBe(true);
  expect(partition.isFull(limits(4))).toBe(false);
  expect(items(queue.take(partition, limits(2)))).toEqual(['a', 'b']);
  expect(items(queue.take(partition, limits(2)))).toEqual(['c']);
  expect(queue.size).toBe(0);
});

test('cost: a batch stops at the first item that does not fit; none is passed over', () => {
  const queue = new BatchQueue();
  const partition = add(queue, entry('a', { cost: 3 }), undefined);
  add(queue, entry('b', { cost: 5 }), undefined);
  add(queue, entry('c', { cost: 1 }), undefined); // would fit beside `a`, but `b` is before it
  expect(partition.isFull(limits(8, 9))).toBe(false); // 9 in all: everything fits
  expect(partition.isFull(limits(8, 8))).toBe(true); // 9 > 8: the next batch cannot take all
  expect(items(queue.take(partition, limits(8, 7)))).toEqual(['a']);
  expect(items(queue.take(partition, limits(8, 7)))).toEqual(['b', 'c']);
});

test('cost and count: whichever runs out first ends the batch', () => {
  const queue = new BatchQueue();
  const partition = add(queue, entry('a', { cost: 1 }), undefined);
  for (const item of ['b', 'c', 'd']) add(queue, entry(item, { cost: 1 }), undefined);
  expect(items(queue.take(partition, limits(3, 100)))).toEqual(['a', 'b', 'c']);
  add(queue, entry('e', { cost: 0 }), undefined);
  expect(items(queue.take(partition, limits(8, 1)))).toEqual(['d', 'e']); // cost 0 always fits
});

test('priority: higher first, arrival order within a priority; the window is the oldest item', () => {
  const queue = new BatchQueue();
  const partition = add(queue, entry('low1'), undefined);
  add(queue, entry('high1'), undefined, 5);
  add(queue, entry('low2'), undefined);
  add(queue, entry('high2'), undefined, 5);
  add(queue, entry('neg'), undefined, -1);
  add(queue, entry('mid'), undefined, 2);
  expect(partition.oldest()?.item).toBe('low1');
  expect(items(queue.take(partition, limits(3)))).toEqual(['high1', 'high2', 'mid']);
  expect(partition.oldest()?.item).toBe('low1');
  expect(items(queue.take(partition, limits(3)))).toEqual(['low1', 'low2', 'neg']);
});

test('priority with cost: the next item in priority order is the one that must fit', () => {
  const queue = new BatchQueue();
  const partition = add(queue, entry('low', { cost: 1 }), undefined);
  add(queue, entry('high', { cost: 4 }), undefined, 1);
  expect(items(queue.take(partition, limits(8, 4)))).toEqual(['high']);
  expect(items(queue.take(partition, limits(8, 4)))).toEqual(['low']);
});

test('partitions: each key its own queue; the oldest of the due partitions is chosen', () => {
  const queue = new BatchQueue();
  const a = add(queue, entry('a1'), 'a');
  const b = add(queue, entry('b1'), 'b');
  add(queue, entry('a2'), 'a');
  expect(queue.partitionCount).toBe(2);
  expect(queue.oldest()).toBe(a);
  expect(queue.oldest((partition) => partition !== a)).toBe(b);
  expect(items(queue.take(a, limits(1)))).toEqual(['a1']);
  expect(queue.oldest()).toBe(b); // b1 is now older than a2
  expect(items(queue.take(b, limits(8)))).toEqual(['b1']);
  expect(queue.partitionCount).toBe(1);
});

test('keys are compared as Map keys: 1 and "1" are different partitions', () => {
  const queue = new BatchQueue();
  const number = add(queue, entry('n'), 1);
  const string = add(queue, entry('s'), '1');
  expect(number).not.toBe(string);
  expect(queue.partitionCount).toBe(2);
});

test('an item that leaves early is counted out at once and skipped when its lane is read', () => {
  const queue = new BatchQueue();
  const first = entry('a', { cost: 2 });
  const partition = add(queue, first, 'k');
  add(queue, entry('b', { cost: 3 }), 'k');
  first.state = SETTLED;
  queue.remove(first);
  expect([partition.size, partition.cost, queue.size]).toEqual([1, 3, 1]);
  expect(partition.oldest()?.item).toBe('b');
  expect([...queue.queued()].map((e) => e.item)).toEqual(['b']);
  expect(items(queue.take(partition, limits(8)))).toEqual(['b']);
});

test('an emptied key is forgotten, by a batch or by its last item leaving', () => {
  const queue = new BatchQueue();
  const partition = add(queue, entry('a'), 'gone-by-batch');
  queue.take(partition, limits(8));
  const alone = entry('b');
  add(queue, alone, 'gone-by-abort');
  alone.state = SETTLED;
  queue.remove(alone);
  expect(queue.partitionCount).toBe(0);
  expect(queue.oldest()).toBeUndefined();
  // A key that comes back gets a fresh partition.
  expect(add(queue, entry('c'), 'gone-by-batch')).not.toBe(partition);
});

test('without a key, the partition counts as one while it holds items', () => {
  const queue = new BatchQueue();
  expect(queue.partitionCount).toBe(0);
  const partition = add(queue, entry('a'), undefined);
  expect(queue.partitionCount).toBe(1);
  queue.take(partition, limits(8));
  expect(queue.partitionCount).toBe(0);
});
