import { batched } from '../src/index.js';
import { flushMicrotasks, manualBatchFn, track } from './support/recorder.js';

// `delay: 'auto'` in the engine (contract §5), with fake timers: when a batch goes.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

type Model = ReturnType<typeof manualBatchFn<number>>;

/** Runs `count` batches of `size` calls, each taking `runMs`, so the policy learns. */
async function warmUp(
  predict: (x: number) => Promise<number>,
  { batches, finish }: Model,
  size: number,
  runMs: number,
  count = 10,
) {
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < size; i++) void predict(-1);
    await jest.advanceTimersByTimeAsync(1); // past any gathering for company
    expect(batches).toHaveLength(b + 1);
    await jest.advanceTimersByTimeAsync(runMs);
    await finish(batches.length - 1);
  }
  batches.length = 0;
}

test('calls made in the same tick share a batch; a lone call to an idle model goes at the end of its turn', async () => {
  const model = manualBatchFn<number>();
  const { fn, batches } = model;
  const predict = batched(fn, { delay: 'auto', maxBatchSize: 8 });
  [1, 2, 3].forEach((x) => void predict(x));
  await flushMicrotasks();
  expect(batches).toEqual([]);
  await jest.advanceTimersByTimeAsync(0);
  expect(batches.map((b) => b.items)).toEqual([[1, 2, 3]]);
});

test('after a batch, the calls queued wait one turn, so calls read in that turn ride too', async () => {
  const model = manualBatchFn<number>();
  const { fn, batches, finish } = model;
  const predict = batched(fn, { delay: 'auto', maxBatchSize: 8 });
  await warmUp(predict, model, 1, 10); // lone calls lately: an idle model does not wait
  void predict(1);
  await jest.advanceTimersByTimeAsync(0); // [1] runs
  void predict(2); // queued while it runs
  await jest.advanceTimersByTimeAsync(10);
  await finish(0); // the batch is done; 2 waits one turn
  void predict(3); // read in that turn (the same poll phase, in a server)
  expect(batches).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(0);
  expect(batches.map((b) => b.items)).toEqual([[1], [2, 3]]);
});

test('it never waits while a full batch is queued', async () => {
  const model = manualBatchFn<number>();
  const { fn, batches, finish } = model;
  const predict = batched(fn, { delay: 'auto', maxBatchSize: 2 });
  await warmUp(predict, model, 2, 10);
  void predict(1);
  void predict(2); // full: goes now, not at the end of the turn
  expect(batches.map((b) => b.items)).toEqual([[1, 2]]);
  void predict(3);
  void predict(4); // full while the slot is busy: goes the moment the slot frees
  await finish(0);
  expect(batches.map((b) => b.items)).toEqual([
    [1, 2],
    [3, 4],
  ]);
});

test('with company lately, an idle model gathers while calls keep coming, within half a batch time', async () => {
  const model = manualBatchFn<number>();
  const { fn, batches } = model;
  const predict = batched(fn, { delay: 'auto', maxBatchSize: 8 });
  await warmUp(predict, model, 4, 10); // mean run 10 ms: waits at most 5 ms
  void predict(1);
  await jest.advanceTimersByTimeAsync(0); // a turn for company
  expect(batches).toEqual([]);
  void predict(2); // company came: it keeps gathering
  // Each step is one turn; once no call has come for 0.25 ms, the batch goes.
  for (let ms = 0; ms < 10 && batches.length === 0; ms++) await jest.advanceTimersByTimeAsync(1);
  expect(batches.map((b) => b.items)).toEqual([[1, 2]]);
  const auto = predict.stats().auto!;
  expect(auto.meanRunMs).toBeGreaterThanOrEqual(10); // 10 ms, plus the warm-up's gathering
  expect(auto.meanRunMs).toBeLessThanOrEqual(11);
  expect(auto.lastWaitMs).toBeGreaterThan(0);
  expect(auto.lastWaitMs).toBeLessThanOrEqual(auto.maxWaitMs);
});

test('without company lately, a lone call is not kept waiting', async () => {
  const model = manualBatchFn<number>();
  const { fn, batches, finish } = model;
  const predict = batched(fn, { delay: 'auto', maxBatchSize: 8 });
  await warmUp(predict, model, 1, 10);
  const result = track(predict(7));
  await jest.advanceTimersByTimeAsync(0);
  expect(batches.map((b) => b.items)).toEqual([[7]]);
  await finish(0);
  expect(result.value).toBe(7);
});

test('flush() and close() send at once, whatever the policy would say', async () => {
  const model = manualBatchFn<number>();
  const { fn, batches } = model;
  const predict = batched(fn, { delay: 'auto', maxBatchSize: 8, concurrency: 2 });
  await warmUp(predict, model, 4, 10);
  void predict(1);
  predict.flush();
  expect(batches.map((b) => b.items)).toEqual([[1]]);
  void predict(2);
  void predict.close();
  expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
});

test('stats().auto shows what it has learnt; other delays have no `auto`', async () => {
  const model = manualBatchFn<number>();
  const { fn } = model;
  const predict = batched(fn, { delay: 'auto' });
  expect(predict.stats().auto).toEqual({ meanRunMs: 0, meanBatchSize: 1, lastWaitMs: 0, maxWaitMs: 0 });
  await warmUp(predict, model, 3, 8, 4);
  const { meanRunMs, meanBatchSize } = predict.stats().auto!;
  expect(meanBatchSize).toBe(3);
  expect(meanRunMs).toBeGreaterThanOrEqual(8); // 8 ms of run, plus at most the 1 ms the warm-up gathered
  expect(meanRunMs).toBeLessThanOrEqual(9);
  predict.configure({ delay: 5 });
  expect(predict.stats().auto).toBeUndefined();
});
