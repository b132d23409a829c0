import { batched } from '../src/index.js';
import { flushMicrotasks, track } from './support/recorder.js';

// Items are opaque to the engine: odd values go through to the batch method unchanged, and
// one caller's bad input never harms the others in its batch.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('undefined, null and NaN items reach the batch method as they are, each with its own result', async () => {
  const seen: unknown[][] = [];
  const echo = batched(async (items: unknown[]) => (seen.push([...items]), items.map((x) => [x])), { delay: 0 });
  const results = [undefined, null, NaN, 0].map((x) => track(echo(x)));
  await jest.advanceTimersByTimeAsync(0);
  expect(seen).toEqual([[undefined, null, NaN, 0]]);
  expect(results.map((r) => r.value)).toEqual([[undefined], [null], [NaN], [0]]);
});

test('with an input guard, a wrong item is refused and the rest of its batch runs', async () => {
  const calls: number[][] = [];
  const square = batched(async (xs: number[]) => (calls.push([...xs]), xs.map((x) => x * x)), {
    delay: 0,
    input: (x: unknown) => typeof x === 'number' && !Number.isNaN(x),
  });
  const results = [2, NaN, '3' as unknown as number, undefined as unknown as number, 4].map((x) => track(square(x)));
  await jest.advanceTimersByTimeAsync(0);
  await flushMicrotasks();
  expect(calls).toEqual([[2, 4]]);
  expect(results.map((r) => r.status)).toEqual(['resolved', 'rejected', 'rejected', 'rejected', 'resolved']);
  expect((results[1]!.reason as Error).message).toBe(
    'batched function: the input check failed: the predicate returned false for `NaN` (number)',
  );
  expect((results[3]!.reason as Error).message).toBe(
    'batched function: the input check failed: the predicate returned false for `undefined` (undefined)',
  );
});

test('without a guard, a wrong type fails inside the batch method: its Error slot rejects only that caller', async () => {
  const upper = batched(
    async (xs: string[]) =>
      xs.map((x) => (typeof x === 'string' ? x.toUpperCase() : new TypeError(`not a string: ${typeof x}`))),
    { delay: 0 },
  );
  const results = ['a', 42 as unknown as string, 'b'].map((x) => track(upper(x)));
  await jest.advanceTimersByTimeAsync(0);
  expect(results.map((r) => r.value ?? (r.reason as Error).message)).toEqual(['A', 'not a string: number', 'B']);
});

test('huge items pass through by reference, never copied', async () => {
  const huge = new Float64Array(5_000_000); // 40 MB
  const identity = batched(async (items: Float64Array[]) => items, { delay: 0 });
  const result = track(identity(huge));
  await jest.advanceTimersByTimeAsync(0);
  expect(result.value).toBe(huge);
});
