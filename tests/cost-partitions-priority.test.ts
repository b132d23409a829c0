import {
  Batched,
  batched,
  batcherOf,
  BatcherClosedError,
  QueueFullError,
  TimeoutError,
  type BatchResults,
  type CallOptions,
} from '../src/index.js';
import { expectOptionError } from './support/option-errors.js';
import { flushMicrotasks, manualBatchFn, recordingBatchFn, track } from './support/recorder.js';

// contract §9, sentence by sentence: cost and maxBatchCost, partitionBy, per-call priority, and
// how each works with the other options and controls.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const identity = <T>(x: T) => x;
const length = (text: string) => text.length;

describe('cost and maxBatchCost', () => {
  test('a batch takes items while the total cost fits; one whose next item would not fit goes at once', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const embed = batched(fn, { delay: 50, maxBatchSize: 8, cost: length, maxBatchCost: 10 });
    void embed('aaaa'); // 4
    void embed('bbbb'); // 8: fits, not full
    await flushMicrotasks();
    expect(calls).toEqual([]);
    void embed('ccc'); // 11 > 10: the batch [aaaa, bbbb] is full and goes now
    await flushMicrotasks();
    expect(calls).toEqual([['aaaa', 'bbbb']]);
    await jest.advanceTimersByTimeAsync(49);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1); // ccc waited its own window
    expect(calls).toEqual([['aaaa', 'bbbb'], ['ccc']]);
  });

  test('items are never reordered to fill a batch: none is passed over', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const embed = batched(fn, { delay: 10, cost: length, maxBatchCost: 6 });
    ['aaa', 'bbbbb', 'c', 'dd'].forEach((text) => void embed(text));
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([['aaa'], ['bbbbb', 'c'], ['dd']]);
  });

  test('the count limit still holds under a budget', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const embed = batched(fn, { delay: 10, maxBatchSize: 2, cost: length, maxBatchCost: 100 });
    ['a', 'b', 'c'].forEach((text) => void embed(text));
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([['a', 'b'], ['c']]);
  });

  test('`cost` is called once per call, when it arrives', async () => {
    const cost = jest.fn(length);
    const embed = batched(async (texts: string[]) => texts, { delay: 10, cost, maxBatchCost: 10 });
    void embed('ab');
    expect(cost).toHaveBeenCalledTimes(1);
    expect(cost).toHaveBeenCalledWith('ab');
    await jest.advanceTimersByTimeAsync(10);
    expect(cost).toHaveBeenCalledTimes(1);
  });

  test('an item costlier than the budget rejects at once with a RangeError naming both numbers', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const embed = batched(fn, { delay: 10, cost: length, maxBatchCost: 4 });
    await expect(embed('too long')).rejects.toThrow(
      new RangeError("fn: the item's cost 8 is above maxBatchCost 4, so it can never fit in a batch"),
    );
    expect(embed.stats()).toMatchObject({ queued: 0, rejected: 1 });
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([]);
  });

  test.each([
    ['a negative number', -1, 'got `-1` (number)'],
    ['NaN', NaN, 'got `NaN` (number)'],
    ['Infinity', Infinity, 'got `Infinity` (number)'],
    ['a string', '3', 'got `"3"` (string)'],
  ])('a cost that is %s rejects that call with a TypeError', async (_, bad, got) => {
    const embed = batched(async (xs: number[]) => xs, {
      delay: 0,
      cost: (x) => (x === 1 ? (bad as number) : 1),
      maxBatchCost: 10,
    });
    await expect(embed(1)).rejects.toThrow(
      new TypeError(`fn: Expected \`cost\` to return a finite number >= 0, ${got}`.replace('fn:', 'batched function:')),
    );
    const next = track(embed(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(next.value).toBe(2);
  });

  test('a cost function that throws rejects that call with a TypeError', async () => {
    const embed = batched(async (xs: string[]) => xs, {
      delay: 0,
      cost: () => {
        throw new Error('no tokenizer');
      },
      maxBatchCost: 10,
    });
    const error = await embed('x').catch((e: unknown) => e);
    expect(error).toEqual(new TypeError('batched function: the `cost` function threw: no tokenizer'));
    expect((error as Error).cause).toEqual(new Error('no tokenizer'));
  });

  test.each([
    [{ cost: length }, 'Expected `cost` and `maxBatchCost` together, got `cost` without `maxBatchCost`'],
    [{ maxBatchCost: 10 }, 'Expected `cost` and `maxBatchCost` together, got `maxBatchCost` without `cost`'],
    [{ cost: 5, maxBatchCost: 10 }, 'Expected `cost` to be a function, got `5` (number)'],
    [{ cost: length, maxBatchCost: 0 }, 'Expected `maxBatchCost` to be a number > 0, or Infinity, got `0` (number)'],
    [
      { cost: length, maxBatchCost: NaN },
      'Expected `maxBatchCost` to be a number > 0, or Infinity, got `NaN` (number)',
    ],
  ])('option error: %j', (options, message) => expectOptionError(options, message));

  test('maxBatchCost may be Infinity', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const embed = batched(fn, { delay: 0, cost: length, maxBatchCost: Infinity });
    ['a', 'bb'].forEach((text) => void embed(text));
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([['a', 'bb']]);
  });

  test('configure: a pair can be completed or removed; a lower budget rejects queued items that no longer fit', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const embed = batched(fn, { delay: 10 });
    expect(() => embed.configure({ maxBatchCost: 5 })).toThrow(/got `maxBatchCost` without `cost`/);
    embed.configure({ cost: length, maxBatchCost: 8 });
    const long = track(embed('aaaaaa')); // 6
    const short = track(embed('bb'));
    embed.configure({ maxBatchCost: 4 });
    await flushMicrotasks();
    expect(long.reason).toEqual(
      new RangeError(
        "fn: the item's cost 6 is above maxBatchCost 4 (changed by configure), so it can never fit in a batch",
      ),
    );
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([['bb']]);
    expect(short.value).toBe('bb');
    embed.configure({ cost: undefined, maxBatchCost: undefined });
    ['aaaaaaaaaa', 'b'].forEach((text) => void embed(text));
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([['bb'], ['aaaaaaaaaa', 'b']]);
  });
});

test('a lower budget rejects every queued item over it before any batch goes (found by the property test)', async () => {
  const { fn, calls } = recordingBatchFn<string, string>(identity);
  const embed = batched(fn, { delay: 10, cost: length, maxBatchCost: 2, partitionBy: (s) => s });
  const queued = [track(embed('aa')), track(embed('bb'))];
  embed.configure({ maxBatchCost: 1 });
  await jest.advanceTimersByTimeAsync(10);
  expect(queued.map((r) => (r.reason as Error).name)).toEqual(['RangeError', 'RangeError']);
  expect(calls).toEqual([]);
});

describe('partitionBy', () => {
  const model = (request: { model: string; x: number }) => request.model;

  test('items with different keys never share a batch; each key has its own window', async () => {
    const { fn, calls } = recordingBatchFn<{ model: string; x: number }, number>((r) => r.x);
    const predict = batched(fn, { delay: 50, concurrency: 4, partitionBy: model });
    const a1 = track(predict({ model: 'a', x: 1 }));
    await jest.advanceTimersByTimeAsync(20);
    void predict({ model: 'b', x: 2 });
    void predict({ model: 'a', x: 3 });
    await jest.advanceTimersByTimeAsync(29);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(1); // a's window (from 0 ms) is over; b's is not
    expect(calls).toEqual([
      [
        { model: 'a', x: 1 },
        { model: 'a', x: 3 },
      ],
    ]);
    expect(a1.value).toBe(1);
    await jest.advanceTimersByTimeAsync(19);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1); // b's window (from 20 ms)
    expect(calls[1]).toEqual([{ model: 'b', x: 2 }]);
  });

  test('a key whose batch is full goes at once, without waiting for other keys', async () => {
    const { fn, calls } = recordingBatchFn<{ model: string; x: number }, number>((r) => r.x);
    const predict = batched(fn, { delay: 50, maxBatchSize: 2, concurrency: 2, partitionBy: model });
    void predict({ model: 'a', x: 1 });
    void predict({ model: 'b', x: 2 });
    void predict({ model: 'b', x: 3 });
    await flushMicrotasks();
    expect(calls).toEqual([
      [
        { model: 'b', x: 2 },
        { model: 'b', x: 3 },
      ],
    ]);
  });

  test('when a slot frees, the due key whose oldest item has waited longest goes first', async () => {
    const { fn, batches, finish } = manualBatchFn<string>();
    const predict = batched(fn, { delay: 10, maxBatchSize: 2, partitionBy: (s) => s[0]! });
    void predict('a1');
    void predict('a2'); // full: runs now, holds the only slot
    void predict('b1'); // oldest waiting
    void predict('c1');
    void predict('a3');
    void predict('c2'); // c is full, but b has waited longer and is due by the time the slot frees
    await jest.advanceTimersByTimeAsync(10);
    await finish(0);
    await finish(1);
    await finish(2);
    expect(batches.map((b) => b.items)).toEqual([['a1', 'a2'], ['b1'], ['c1', 'c2'], ['a3']]);
  });

  test('the oldest item decides, not the order in which keys first appeared', async () => {
    const { fn, batches, finish } = manualBatchFn<string>();
    const predict = batched(fn, { delay: 10, maxBatchSize: 1, partitionBy: (s) => s[0]! });
    void predict('w1'); // runs at once and holds the slot
    void predict('a1');
    void predict('b1');
    void predict('a2'); // after a1 goes, key a is the older key, but b1 has waited longer than a2
    await finish(0);
    await finish(1);
    await finish(2);
    expect(batches.map((b) => b.items)).toEqual([['w1'], ['a1'], ['b1'], ['a2']]);
  });

  test('all keys share the concurrency slots and the maxQueueSize', async () => {
    const { fn, batches, finish } = manualBatchFn<string>();
    const predict = batched(fn, { delay: 0, maxQueueSize: 2, partitionBy: (s) => s });
    void predict('a');
    await jest.advanceTimersByTimeAsync(0); // a runs: the one slot is taken
    void predict('b');
    void predict('c');
    const refused = track(predict('d'));
    await jest.advanceTimersByTimeAsync(0);
    expect(refused.reason).toBeInstanceOf(QueueFullError);
    expect(batches.map((b) => b.items)).toEqual([['a']]);
    expect(predict.stats()).toMatchObject({ queued: 2, partitions: 2, running: 1 });
    await finish(0);
    await finish(1);
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b'], ['c']]);
  });

  test('keys are compared as Map keys: 1 and "1" never share a batch', async () => {
    const { fn, calls } = recordingBatchFn<number | string, number | string>(identity);
    const predict = batched(fn, { delay: 0, concurrency: 2, partitionBy: (x) => x });
    void predict(1);
    void predict('1');
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([[1], ['1']]);
  });

  test('stats().partitions counts keys with queued items; emptied keys leave no trace', async () => {
    const { fn, finish } = manualBatchFn<string>();
    const predict = batched(fn, { delay: 10, partitionBy: (s) => s[0]! });
    expect(predict.stats().partitions).toBe(0);
    ['a1', 'b1', 'a2', 'c1'].forEach((s) => void predict(s));
    expect(predict.stats().partitions).toBe(3);
    await jest.advanceTimersByTimeAsync(10); // a goes
    expect(predict.stats().partitions).toBe(2);
    await finish(0);
    await finish(1);
    await finish(2);
    expect(predict.stats()).toMatchObject({ partitions: 0, queued: 0, batches: 3 });
  });

  test('without partitionBy, stats().partitions is 1 while items are queued, else 0', async () => {
    const predict = batched(async (xs: number[]) => xs, { delay: 10 });
    expect(predict.stats().partitions).toBe(0);
    void predict(1);
    expect(predict.stats().partitions).toBe(1);
    await jest.advanceTimersByTimeAsync(10);
    expect(predict.stats().partitions).toBe(0);
  });

  test.each([
    ['undefined', undefined, 'got `undefined` (undefined)'],
    ['an object', {}, 'got `[object Object]` (object)'],
    ['NaN', NaN, 'got `NaN` (number)'],
    ['Infinity', Infinity, 'got `Infinity` (number)'],
  ])('a key that is %s rejects that call with a TypeError', async (_, bad, got) => {
    const predict = batched(async (xs: number[]) => xs, {
      delay: 0,
      partitionBy: (x) => (x === 1 ? (bad as string) : 'ok'),
    });
    await expect(predict(1)).rejects.toThrow(
      new TypeError(`batched function: Expected \`partitionBy\` to return a string or a finite number, ${got}`),
    );
    const next = track(predict(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(next.value).toBe(2);
  });

  test('a partitionBy that throws rejects that call with a TypeError', async () => {
    const predict = batched(async (xs: number[]) => xs, {
      delay: 0,
      partitionBy: () => {
        throw new Error('no tenant');
      },
    });
    const error = await predict(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('batched function: the `partitionBy` function threw: no tenant');
  });

  test('with cost: each key fills its own budget', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const embed = batched(fn, { delay: 10, concurrency: 2, cost: length, maxBatchCost: 4, partitionBy: length });
    ['aa', 'bbb', 'cc', 'ddd'].forEach((text) => void embed(text));
    await flushMicrotasks();
    // Key 3 holds 6 > 4: full, it goes at once. Key 2 holds exactly 4: everything fits, it waits.
    expect(calls).toEqual([['bbb']]);
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([['bbb'], ['aa', 'cc'], ['ddd']]);
  });
});

describe('priority', () => {
  test('higher goes first within a partition, arrival order within a priority', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const predict = batched(fn, { delay: 10, maxBatchSize: 2 });
    void predict('bulk1');
    void predict('bulk2', { priority: 0 });
    void predict('live1', { priority: 1 });
    void predict('live2', { priority: 1 });
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([
      ['bulk1', 'bulk2'], // full at two items: dispatched before the live calls arrived
      ['live1', 'live2'],
    ]);
  });

  test('priority changes who rides in the next batch, never when the oldest item is due', async () => {
    const { fn, batches, finish } = manualBatchFn<string>();
    const predict = batched(fn, { delay: 50, maxBatchSize: 2 });
    void predict('w1');
    void predict('w2'); // full: runs from 0 ms and holds the slot
    void predict('bulk'); // waits from 0 ms
    await jest.advanceTimersByTimeAsync(10);
    void predict('live1', { priority: 1 });
    void predict('live2', { priority: 1 });
    await jest.advanceTimersByTimeAsync(10);
    await finish(0); // the slot frees at 20 ms: three queued, full; the live calls ride first
    expect(batches.map((b) => b.items)).toEqual([
      ['w1', 'w2'],
      ['live1', 'live2'],
    ]);
    await finish(1);
    await jest.advanceTimersByTimeAsync(29);
    expect(batches).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1); // bulk's own window ends at 50 ms, as without priority
    expect(batches[2]!.items).toEqual(['bulk']);
  });

  test("a high-priority call does not move the window: the batch goes when the oldest item's window ends", async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const predict = batched(fn, { delay: 50, maxBatchSize: 4 });
    void predict('bulk');
    await jest.advanceTimersByTimeAsync(40);
    void predict('live', { priority: 1 });
    await jest.advanceTimersByTimeAsync(9);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([['live', 'bulk']]);
  });

  test('under sustained overload low priority waits; its timeout bounds how long', async () => {
    const { fn, batches, finish } = manualBatchFn<string>();
    const predict = batched(fn, { delay: 0, maxBatchSize: 1 });
    void predict('first');
    await jest.advanceTimersByTimeAsync(0);
    const bulk = track(predict('bulk', { priority: -1, timeout: 100 }));
    for (let i = 0; i < 5; i++) {
      void predict(`live${i}`, { priority: 1 });
      await jest.advanceTimersByTimeAsync(20);
      await finish(i);
    }
    expect(batches.map((b) => b.items)).toEqual(['first', 'live0', 'live1', 'live2', 'live3', 'live4'].map((s) => [s]));
    expect(bulk.reason).toBeInstanceOf(TimeoutError);
  });

  test('with cost, the next item in priority order is the one that must fit', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const embed = batched(fn, { delay: 10, cost: length, maxBatchCost: 5 });
    void embed('a');
    void embed('bbbb', { priority: 1 });
    void embed('cc', { priority: 1 });
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([['bbbb'], ['cc', 'a']]);
  });

  test('with partitions, priority orders items within each key', async () => {
    const { fn, calls } = recordingBatchFn<string, string>(identity);
    const predict = batched(fn, { delay: 10, concurrency: 2, partitionBy: (s) => s[0]! });
    void predict('a-low');
    void predict('b-low');
    void predict('a-high', { priority: 1 });
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([['a-high', 'a-low'], ['b-low']]);
  });

  test.each([
    ['a fraction', 1.5, '`1.5` (number)'],
    ['a string', '1', '`"1"` (string)'],
    ['NaN', NaN, '`NaN` (number)'],
    ['Infinity', Infinity, '`Infinity` (number)'],
  ])('a priority that is %s rejects that call with a TypeError naming `priority`', async (_, bad, got) => {
    const predict = batched(async (xs: number[]) => xs, { delay: 0 });
    await expect(predict(1, { priority: bad as number })).rejects.toThrow(
      new TypeError(`batched function: Expected \`priority\` to be an integer, got ${got}`),
    );
  });
});

describe('with the other controls', () => {
  test('flush() and close() send every key, oldest first, slots permitting', async () => {
    const { fn, batches, finish } = manualBatchFn<string>();
    const predict = batched(fn, { delay: 1_000, partitionBy: (s) => s[0]! });
    ['b1', 'a1', 'b2'].forEach((s) => void predict(s));
    predict.flush();
    expect(batches.map((b) => b.items)).toEqual([['b1', 'b2']]);
    const closed = track(predict.close());
    await finish(0);
    expect(batches.map((b) => b.items)).toEqual([['b1', 'b2'], ['a1']]);
    await finish(1);
    expect(closed.status).toBe('resolved');
    await expect(predict('c')).rejects.toBeInstanceOf(BatcherClosedError);
  });

  test('an abort or a deadline removes an item from its key; an emptied key is forgotten', async () => {
    const { fn, batches, finish } = manualBatchFn<string>();
    const embed = batched(fn, { delay: 10, cost: length, maxBatchCost: 4, partitionBy: (s) => s[0]! });
    const controller = new AbortController();
    const aborted = track(embed('aaa', { signal: controller.signal }));
    void embed('ab'); // 5 > 4 with aaa: full, aaa goes at once
    expect(batches.map((b) => b.items)).toEqual([['aaa']]);
    const timedOut = track(embed('b', { timeout: 5 }));
    await jest.advanceTimersByTimeAsync(5);
    expect(timedOut.reason).toBeInstanceOf(TimeoutError);
    expect(embed.stats()).toMatchObject({ partitions: 1, queued: 1 }); // 'b' timed out: only 'ab'
    controller.abort(new Error('client left')); // aaa is running: it rejects at once
    await flushMicrotasks();
    expect(aborted.status).toBe('rejected');
    await finish(0);
    await jest.advanceTimersByTimeAsync(5);
    expect(batches.map((b) => b.items)).toEqual([['aaa'], ['ab']]);
    expect(embed.stats().partitions).toBe(0);
  });

  test("'auto' and delay 0: calls of one tick share a batch per key", async () => {
    for (const delay of [0, 'auto'] as const) {
      const { fn, calls } = recordingBatchFn<string, string>(identity);
      const predict = batched(fn, { delay, concurrency: 2, partitionBy: (s) => s[0]! });
      ['a1', 'b1', 'a2'].forEach((s) => void predict(s));
      await jest.advanceTimersByTimeAsync(0);
      expect(calls).toEqual([['a1', 'a2'], ['b1']]);
    }
  });

  test('drain() waits for every key', async () => {
    const { fn, finish } = manualBatchFn<string>();
    const predict = batched(fn, { delay: 0, partitionBy: (s) => s });
    ['a', 'b'].forEach((s) => void predict(s));
    const drained = track(predict.drain());
    await jest.advanceTimersByTimeAsync(0);
    await finish(0);
    expect(drained.status).toBe('pending');
    await finish(1);
    expect(drained.status).toBe('resolved');
  });
});

describe('in a decorated class', () => {
  class Encoder {
    encode(text: string, call?: CallOptions): Promise<number>;
    @Batched({
      delay: 10,
      cost: (text: string) => text.length,
      maxBatchCost: 6,
      partitionBy: (text: string) => (text.length > 3 ? 'long' : 'short'),
    })
    async encode<B extends string[]>(texts: B): BatchResults<number> {
      this.batches.push([...texts]);
      return texts.map((text) => text.length);
    }
    readonly batches: string[][] = [];
  }

  test('cost, partitions and priority work through the decorator', async () => {
    const encoder = new Encoder();
    const results = ['ab', 'abcd', 'cd', 'efghi', 'x'].map((text, i) =>
      track(encoder.encode(text, { priority: i === 4 ? 1 : 0 })),
    );
    await jest.advanceTimersByTimeAsync(10);
    await flushMicrotasks();
    // long holds 9 > 6: full, abcd goes at once; at 10 ms short (oldest) goes, x first by priority.
    expect(encoder.batches).toEqual([['abcd'], ['x', 'ab', 'cd'], ['efghi']]);
    expect(results.map((r) => r.value)).toEqual([2, 4, 2, 5, 1]);
    expect(batcherOf(encoder, 'encode').stats().partitions).toBe(0);
  });
});
