import { batched } from '../src/index.js';
import { flushMicrotasks, recordingBatchFn, track } from './support/recorder.js';

// contract §3, boundary by boundary: at `delay - 1` ms nothing ran, at `delay` it ran once.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const double = (x: number) => x * 2;

test('a lone call waits exactly `delay` ms', async () => {
  const { fn, calls } = recordingBatchFn(double);
  const predict = batched(fn, { delay: 50 });
  const result = track(predict(1));
  await jest.advanceTimersByTimeAsync(49);
  expect(calls).toEqual([]);
  await jest.advanceTimersByTimeAsync(1);
  expect(calls).toEqual([[1]]);
  expect(result).toMatchObject({ status: 'resolved', value: 2 });
});

test('the default delay is 50 ms and the default maxBatchSize is 8', async () => {
  const { fn, calls } = recordingBatchFn(double);
  const predict = batched(fn);
  for (let i = 0; i < 10; i++) void predict(i);
  await flushMicrotasks();
  expect(calls).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
  await jest.advanceTimersByTimeAsync(49);
  expect(calls).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1);
  expect(calls).toEqual([
    [0, 1, 2, 3, 4, 5, 6, 7],
    [8, 9],
  ]);
});

test('a later arrival never extends the wait of an earlier item (a fixed window)', async () => {
  const { fn, calls } = recordingBatchFn(double);
  const predict = batched(fn, { delay: 50 });
  void predict(1);
  await jest.advanceTimersByTimeAsync(30);
  void predict(2);
  await jest.advanceTimersByTimeAsync(19);
  expect(calls).toEqual([]);
  await jest.advanceTimersByTimeAsync(1);
  expect(calls).toEqual([[1, 2]]);
});

test('a batch that fills up does not wait for the delay', async () => {
  const { fn, calls } = recordingBatchFn(double);
  const predict = batched(fn, { delay: 50, maxBatchSize: 3 });
  const results = [1, 2, 3].map((x) => track(predict(x)));
  await flushMicrotasks();
  expect(calls).toEqual([[1, 2, 3]]);
  expect(results.map((r) => r.value)).toEqual([2, 4, 6]);
});

test("the seed's scenario: one call, 10 ms later nine more, maxBatchSize 4, delay 50", async () => {
  const { fn, calls } = recordingBatchFn((x: number) => x);
  const predict = batched(fn, { delay: 50, maxBatchSize: 4 });
  const results = [track(predict(0))];
  await jest.advanceTimersByTimeAsync(10);
  for (let i = 1; i < 10; i++) results.push(track(predict(i)));
  await flushMicrotasks();
  expect(calls).toEqual([
    [0, 1, 2, 3],
    [4, 5, 6, 7],
  ]);
  await jest.advanceTimersByTimeAsync(49); // t = 59: item 8 has waited 49 ms
  expect(calls).toHaveLength(2);
  await jest.advanceTimersByTimeAsync(1); // t = 60
  expect(calls).toEqual([
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
  expect(results.map((r) => r.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

describe('delay: 0', () => {
  test('calls made in the same tick share a batch, dispatched at the end of the turn', async () => {
    const { fn, calls } = recordingBatchFn(double);
    const predict = batched(fn, { delay: 0 });
    void predict(1);
    void predict(2);
    await flushMicrotasks();
    void predict(3); // a later microtask of the same turn still joins
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  test('calls of the next turn go in the next batch', async () => {
    const { fn, calls } = recordingBatchFn(double);
    const predict = batched(fn, { delay: 0, concurrency: 2 });
    void predict(1);
    await jest.advanceTimersByTimeAsync(0);
    void predict(2);
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([[1], [2]]);
  });
});

describe('concurrency', () => {
  test('with concurrency 1 a batch waits for the running one, then goes at once', async () => {
    const { fn, calls } = recordingBatchFn(double, 100);
    const predict = batched(fn, { delay: 10, maxBatchSize: 2 });
    void predict(1);
    void predict(2); // full: runs from t = 0 to t = 100
    await jest.advanceTimersByTimeAsync(5);
    void predict(3); // has waited its 10 ms at t = 15, but no slot is free
    await jest.advanceTimersByTimeAsync(94); // t = 99
    expect(calls).toEqual([[1, 2]]);
    await jest.advanceTimersByTimeAsync(1); // t = 100: the slot frees, item 3 is overdue
    expect(calls).toEqual([[1, 2], [3]]);
  });

  test("a freed slot waits only the rest of the front item's delay", async () => {
    const { fn, calls } = recordingBatchFn(double, 20);
    const predict = batched(fn, { delay: 50, maxBatchSize: 4 });
    void predict(1); // dispatched at t = 50, runs until t = 70
    await jest.advanceTimersByTimeAsync(60);
    void predict(2); // waits from t = 60; the slot frees at t = 70 with 40 ms still to wait
    await jest.advanceTimersByTimeAsync(49); // t = 109
    expect(calls).toEqual([[1]]);
    await jest.advanceTimersByTimeAsync(1); // t = 110
    expect(calls).toEqual([[1], [2]]);
  });

  test('at most `concurrency` batches run at once', async () => {
    const { fn, calls, maxRunning } = recordingBatchFn(double, 100);
    const predict = batched(fn, { delay: 10, maxBatchSize: 1, concurrency: 2 });
    const results = [1, 2, 3, 4, 5].map((x) => track(predict(x)));
    await flushMicrotasks();
    expect(calls).toEqual([[1], [2]]);
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([[1], [2], [3], [4]]);
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(5);
    await jest.advanceTimersByTimeAsync(100);
    expect(maxRunning()).toBe(2);
    expect(results.every((r) => r.status === 'resolved')).toBe(true);
  });

  test('while the slot is busy items gather up to maxBatchSize', async () => {
    const { fn, calls } = recordingBatchFn(double, 100);
    const predict = batched(fn, { delay: 10, maxBatchSize: 3 });
    void predict(0);
    await jest.advanceTimersByTimeAsync(10); // [0] runs t = 10..110
    for (let i = 1; i <= 7; i++) void predict(i);
    await flushMicrotasks();
    expect(calls).toEqual([[0]]);
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([[0], [1, 2, 3]]);
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([[0], [1, 2, 3], [4, 5, 6]]);
  });
});

test('no timer is left once the queue is empty', async () => {
  const { fn } = recordingBatchFn(double);
  const predict = batched(fn, { delay: 50 });
  await Promise.all([predict(1), jest.advanceTimersByTimeAsync(50)]);
  expect(jest.getTimerCount()).toBe(0);
});

describe('the window runs on a monotonic clock (contract §3)', () => {
  test.each([
    ['back', -10_000],
    ['forward', 10_000],
  ])('stepping the system time %s 10 s changes nothing', async (_, step) => {
    const { fn, calls } = recordingBatchFn(double, 30);
    const predict = batched(fn, { delay: 50, maxBatchSize: 2 });
    void predict(1);
    void predict(2); // a full batch: runs from 0 to 30 ms
    await jest.advanceTimersByTimeAsync(10);
    void predict(3); // waits from 10 ms, so it is due at 60 ms
    await jest.advanceTimersByTimeAsync(10);
    jest.setSystemTime(Date.now() + step);
    await jest.advanceTimersByTimeAsync(39); // the slot frees at 30 ms; the window is not over
    expect(calls).toEqual([[1, 2]]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([[1, 2], [3]]);
  });
});
