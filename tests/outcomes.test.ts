import { runInNewContext } from 'node:vm';
import { BatchContractError, BatchedError, batched } from '../src/index.js';
import { flushMicrotasks, recordingBatchFn, track } from './support/recorder.js';

// contract §4, the rows about values, errors, contract breaks and input/output checks.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Calls `predict` once per item in one tick and lets the batch run. */
async function callAll<I, O>(predict: (item: I) => Promise<O>, items: I[]) {
  const results = items.map((item) => track(predict(item)));
  await jest.advanceTimersByTimeAsync(0);
  await flushMicrotasks();
  return results;
}

test('result i goes to the caller of item i', async () => {
  const predict = batched(async (xs: string[]) => xs.map((x) => x.toUpperCase()), { delay: 0 });
  const results = await callAll(predict, ['a', 'b', 'c']);
  expect(results.map((r) => r.value)).toEqual(['A', 'B', 'C']);
});

test('a synchronous batch method works too', async () => {
  const predict = batched((xs: number[]) => xs.map((x) => x + 1), { delay: 0 });
  const results = await callAll(predict, [1, 2]);
  expect(results.map((r) => r.value)).toEqual([2, 3]);
});

test('an Error in slot i rejects caller i only', async () => {
  const bad = new Error('no such user: 2');
  const predict = batched(async (ids: number[]) => ids.map((id) => (id === 2 ? bad : `user ${id}`)), { delay: 0 });
  const results = await callAll(predict, [1, 2, 3]);
  expect(results.map((r) => r.status)).toEqual(['resolved', 'rejected', 'resolved']);
  expect(results[1]!.reason).toBe(bad);
});

test.each([
  ['a TypeError from a vm context', () => runInNewContext('new TypeError("from another realm")') as object],
  ['an Error from a vm context', () => runInNewContext('new Error("from another realm")') as object],
])('%s in slot i rejects caller i only (realm-independent check)', async (_, makeForeign) => {
  const foreign = makeForeign();
  expect(foreign instanceof Error).toBe(false); // really from another realm
  const predict = batched(async (ids: number[]) => ids.map((id) => (id === 2 ? foreign : id)), { delay: 0 });
  const results = await callAll(predict, [1, 2, 3]);
  expect(results.map((r) => r.status)).toEqual(['resolved', 'rejected', 'resolved']);
  expect(results[1]!.reason).toBe(foreign);
});

test('an object that only looks like an Error is a value', async () => {
  const lookalike = { name: 'Error', message: 'not really', stack: '' };
  const predict = batched(async (ids: number[]) => ids.map(() => lookalike), { delay: 0 });
  const [result] = await callAll(predict, [1]);
  expect(result!.value).toBe(lookalike);
});

test.each([
  [
    'throws',
    (error: Error) => () => {
      throw error;
    },
  ],
  ['rejects', (error: Error) => () => Promise.reject(error)],
])(
  'a batch method that %s rejects every caller of that batch with the same error; later batches run',
  async (_, failWith) => {
    const error = new Error('CUDA out of memory');
    let fail = true;
    const fn = (xs: number[]) => (fail ? failWith(error)() : xs.map((x) => x * 10));
    const predict = batched(fn, { delay: 0 });
    const first = await callAll(predict, [1, 2]);
    expect(first.map((r) => r.reason)).toEqual([error, error]);
    expect(first[0]!.reason).toBe(error);
    fail = false;
    const second = await callAll(predict, [3]);
    expect(second[0]!.value).toBe(30);
  },
);

test('a non-array result rejects every caller with BatchContractError naming the method, size and value', async () => {
  const predict = batched(
    async function predictUsers(xs: number[]) {
      void xs;
      return undefined as unknown as number[];
    },
    { delay: 0 },
  );
  const results = await callAll(predict, [1, 2]);
  for (const result of results) {
    expect(result.reason).toBeInstanceOf(BatchContractError);
    expect((result.reason as Error).message).toBe(
      'predictUsers returned `undefined` (undefined) for a batch of 2 items; expected an array with one result per item, in order',
    );
  }
});

test('a wrong-length result rejects every caller with BatchContractError', async () => {
  const predict = batched(
    async function embed(xs: string[]) {
      return xs.slice(1);
    },
    { delay: 0 },
  );
  const results = await callAll(predict, ['a', 'b', 'c']);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  const error = results[0]!.reason as BatchContractError;
  expect(error).toBeInstanceOf(BatchedError);
  expect(error.code).toBe('ERR_BATCH_CONTRACT');
  expect(error.message).toBe(
    'embed returned an array of length 2 for a batch of 3 items; expected an array with one result per item, in order',
  );
});

describe('input checks', () => {
  test.each([
    ['a typeof check', Number, 'x', 'expected a number, got `"x"` (string)'],
    ['a class', Float32Array, [1, 2], 'expected an instance of Float32Array, got `[array of 2]` (array)'],
    [
      'a predicate',
      function isPositive(x: unknown) {
        return typeof x === 'number' && x > 0;
      },
      -1,
      '`isPositive` returned false for `-1` (number)',
    ],
  ])('with %s, a failing item rejects at once with TypeError and never enters a batch', async (_, input, bad, why) => {
    const { fn, calls } = recordingBatchFn((x: unknown) => x);
    const predict = batched(fn, { delay: 0, input: input as never });
    const good = input === Float32Array ? new Float32Array([1]) : 1;
    const rejected = track(predict(bad));
    const accepted = track(predict(good));
    await flushMicrotasks();
    expect(rejected.status).toBe('rejected'); // before any timer ran
    expect(rejected.reason).toBeInstanceOf(TypeError);
    expect((rejected.reason as Error).message).toBe(`fn: the input check failed: ${why}`);
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([[good]]);
    expect(accepted.status).toBe('resolved');
  });

  test('a predicate that throws is a failed check, not a broken batcher', async () => {
    const predict = batched(async (xs: number[]) => xs, {
      delay: 0,
      input: (x: number) => {
        if (x < 0) throw new Error('negative');
        return true;
      },
    });
    const results = await callAll(predict, [-1, 1]);
    expect((results[0]!.reason as Error).message).toBe(
      'batched function: the input check failed: the predicate threw for `-1` (number): negative',
    );
    expect(results[1]!.value).toBe(1);
  });
});

test('a failing output check rejects only that caller, with BatchContractError', async () => {
  const predict = batched(
    async function score(xs: number[]) {
      return xs.map((x) => (x === 2 ? 'two' : x)) as number[];
    },
    { delay: 0, output: Number },
  );
  const results = await callAll(predict, [1, 2, 3]);
  expect(results.map((r) => r.status)).toEqual(['resolved', 'rejected', 'resolved']);
  expect(results[1]!.reason).toBeInstanceOf(BatchContractError);
  expect((results[1]!.reason as Error).message).toBe(
    'score: result 1 failed the output check: expected a number, got `"two"` (string)',
  );
});

test('the engine keeps running after every kind of fault', async () => {
  const faults = [
    () => {
      throw new Error('sync');
    },
    () => Promise.reject(new Error('async')),
    () => 'not an array',
    () => [],
  ];
  let batch = 0;
  const predict = batched((xs: number[]) => (batch < faults.length ? faults[batch++]!() : xs) as number[], {
    delay: 0,
  });
  for (let i = 0; i < faults.length; i++) {
    const [result] = await callAll(predict, [i]);
    expect(result!.status).toBe('rejected');
  }
  const [last] = await callAll(predict, [42]);
  expect(last!.value).toBe(42);
  expect(predict.stats()).toMatchObject({ batches: 5, items: 5, resolved: 1, rejected: 4 });
});

test('mutating the batch array inside the method does not change who gets which result', async () => {
  const predict = batched(
    async (xs: number[]) => {
      const results = xs.map((x) => x * 2);
      xs.length = 0; // a careless method
      return results;
    },
    { delay: 0 },
  );
  const results = await callAll(predict, [1, 2, 3]);
  expect(results.map((r) => r.value)).toEqual([2, 4, 6]);
});

test('every call settles exactly once', async () => {
  const predict = batched(async (xs: number[]) => xs.map((x) => (x % 2 ? new Error(String(x)) : x)), {
    delay: 0,
    maxBatchSize: 3,
  });
  const results = await callAll(predict, [0, 1, 2, 3, 4, 5, 6]);
  await jest.advanceTimersByTimeAsync(10);
  expect(results.map((r) => r.settles)).toEqual([1, 1, 1, 1, 1, 1, 1]);
});
