import { BatchedError, OverloadedError, TimeoutError, batched, type BatchedFunction } from '../src/index.js';
import { flushMicrotasks, manualBatchFn, simulatedModel, track } from './support/recorder.js';

// contract §10, shedding (`shed: true`), with fake timers: which calls are refused, and when.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

type Manual = ReturnType<typeof manualBatchFn<string>>;

/** Runs one batch of each size in turn on a simulated model, so the latency model learns its line. */
async function warmUpSizes(predict: BatchedFunction<string, string>, sizes: number[]) {
  for (const size of sizes) {
    for (let i = 0; i < size; i++) void predict('warm');
    await jest.advanceTimersByTimeAsync(100); // far past the batch's run
  }
}

/** Runs `count` batches of `size` items that each take `runMs`, so the latency model learns. */
async function warmUp(predict: BatchedFunction<string, string>, model: Manual, runMs: number, size = 1, count = 3) {
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < size; i++) void predict('warm');
    await jest.advanceTimersByTimeAsync(0);
    await jest.advanceTimersByTimeAsync(runMs);
    await model.finish(model.batches.length - 1);
  }
  model.batches.length = 0;
}

test('a call predicted to miss its deadline is refused on arrival, before it queues, and never runs', async () => {
  const model = simulatedModel<string>(10, 1); // a batch of n takes 10 + n ms
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true });
  await warmUpSizes(predict, [1, 4, 2]);
  expect(predict.stats().latency).toEqual({ baseMs: 10, perItemMs: 1, samples: 3 });
  model.calls.length = 0;

  for (let i = 0; i < 12; i++) void predict(`q${i}`); // one batch of 4 runs (14 ms), two of 4 wait
  await jest.advanceTimersByTimeAsync(0);
  expect(predict.stats()).toMatchObject({ running: 1, queued: 8 });
  // Answered at: 14 (running) + 14 + 14 (ahead) + 14 (its own batch, which fills while it
  // waits for the slot) = 56 ms from now.
  const late = track(predict('late', { timeout: 40 }));
  await flushMicrotasks();
  expect(late.status).toBe('rejected');
  const error = late.reason as OverloadedError;
  expect(error).toBeInstanceOf(OverloadedError);
  expect(error).toBeInstanceOf(BatchedError);
  expect(error.code).toBe('ERR_OVERLOADED');
  expect(error.message).toBe(
    'fn: shed on arrival: it would be answered in 56.0 ms (predicted), but the call had 40.0 ms left ' +
      '(a batch is predicted to run 10.00 ms + 1.000 ms per item); retry after 17 ms',
  );
  expect(error.retryAfterMs).toBe(17);
  expect(predict.stats()).toMatchObject({ queued: 8, rejected: 1 });
  expect(predict.stats().rejectedBy.shed).toBe(1);

  const inTime = track(predict('in time', { timeout: 57 })); // the same forecast, 1 ms (a timer tick) before its deadline
  await jest.advanceTimersByTimeAsync(70);
  expect(inTime).toMatchObject({ status: 'resolved', value: 'in time' });
  expect(model.calls.flat()).not.toContain('late');
});

test('a call without a deadline is never shed', async () => {
  const model = simulatedModel<string>(10, 1);
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true });
  for (let b = 0; b < 3; b++) {
    void predict('warm');
    await jest.advanceTimersByTimeAsync(11);
  }
  for (let i = 0; i < 40; i++) void predict(`q${i}`);
  const patient = track(predict('patient'));
  const infinite = track(predict('infinite', { timeout: Infinity }));
  await jest.advanceTimersByTimeAsync(200);
  expect(patient.status).toBe('resolved');
  expect(infinite.status).toBe('resolved');
  expect(predict.stats().rejectedBy.shed).toBe(0);
});

test('the option `timeout` is a deadline too', async () => {
  const model = simulatedModel<string>(10, 1);
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true, timeout: 40 });
  await warmUpSizes(predict, [1, 4, 2]);
  const queued = Array.from({ length: 12 }, (_, i) => track(predict(`q${i}`)));
  await flushMicrotasks();
  // Two full batches (14 + 14 ms); the ninth would wait for the slot, so its batch is taken to
  // fill (14 ms more): 42 > 40, refused, as are those after it.
  const statuses = queued.map((call) => call.status);
  expect(statuses).toEqual([...Array<string>(8).fill('pending'), ...Array<string>(4).fill('rejected')]);
  expect(queued[8]!.reason).toBeInstanceOf(OverloadedError);
  await jest.advanceTimersByTimeAsync(40);
  expect(queued.slice(0, 8).map((call) => call.status)).toEqual(Array<string>(8).fill('resolved'));
});

test('nothing is shed while the latency model cannot predict (fewer than 3 batches)', async () => {
  const model = simulatedModel<string>(10, 1);
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 1, shed: true });
  expect(predict.stats().latency).toBeUndefined();
  // The first runs 11 ms; the second rides at 11 ms (one batch seen) and times out while it runs.
  const calls = Array.from({ length: 5 }, (_, i) => track(predict(`q${i}`, { timeout: 15 })));
  await jest.advanceTimersByTimeAsync(100);
  expect(calls.map((call) => call.status)).toEqual(['resolved', 'rejected', 'rejected', 'rejected', 'rejected']);
  expect(calls.slice(1).every((call) => call.reason instanceof TimeoutError)).toBe(true);
  expect(predict.stats().rejectedBy).toMatchObject({ shed: 0, timeout: 4 });
});

test('when a batch is formed, an item that would miss its deadline does not ride; the next takes its place', async () => {
  const model = manualBatchFn<string>();
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 2, shed: true });
  await warmUp(predict, model, 10); // every batch takes 10 ms
  void predict('blocker');
  await jest.advanceTimersByTimeAsync(0);
  // Predicted on arrival: the blocker ends in 10 ms, this batch runs 10 more: 20 <= 25.
  const a = track(predict('a', { timeout: 25 }));
  const b = track(predict('b'));
  const c = track(predict('c'));
  await flushMicrotasks();
  expect(a.status).toBe('pending');
  await jest.advanceTimersByTimeAsync(20); // the blocker runs twice as long as predicted
  await model.finish(0);
  // Formed at 20 ms: it would end at 30, after a's deadline (25): b and c ride.
  expect(model.batches.map((batch) => batch.items)).toEqual([['blocker'], ['b', 'c']]);
  expect(a.status).toBe('rejected');
  expect(a.reason).toBeInstanceOf(OverloadedError);
  expect((a.reason as Error).message).toBe(
    'fn: shed when its batch was formed: the batch would end in 10.0 ms (predicted), but the call had 5.0 ms left ' +
      '(a batch is predicted to run 10.00 ms + 0.000 ms per item); retry after 6 ms',
  );
  expect(predict.stats().rejectedBy.shed).toBe(1);
  await jest.advanceTimersByTimeAsync(10);
  await model.finish(1);
  expect([b.status, c.status]).toEqual(['resolved', 'resolved']);
});

test('at formation every item is judged against the batch as it will leave, as full as the queue allows', async () => {
  const model = simulatedModel<string>(10, 5); // 15 ms for one item, 25 for three
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 3, shed: true });
  await warmUpSizes(predict, [1, 2, 1]);
  model.calls.length = 0;
  const a = track(predict('a', { timeout: 17 })); // alone, the slot free: 15 ms, admitted
  const b = track(predict('b'));
  const c = track(predict('c', { timeout: 30 }));
  await jest.advanceTimersByTimeAsync(50);
  // c fills the batch, which leaves with three items (25 ms): a's deadline comes first; b and
  // c (25 <= 30 - 1) ride.
  expect(model.calls).toEqual([['b', 'c']]);
  expect(a.reason).toBeInstanceOf(OverloadedError);
  expect([b.status, c.status]).toEqual(['resolved', 'resolved']);
});

test('a call already running is never shed: its deadline rejects it with TimeoutError', async () => {
  const model = manualBatchFn<string>();
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 2, shed: true });
  await warmUp(predict, model, 10);
  const a = track(predict('a', { timeout: 15 }));
  await jest.advanceTimersByTimeAsync(0);
  expect(model.batches.map((batch) => batch.items)).toEqual([['a']]);
  await jest.advanceTimersByTimeAsync(15); // the batch runs past a's deadline
  expect(a.status).toBe('rejected');
  expect(a.reason).toBeInstanceOf(TimeoutError);
  expect(predict.stats().rejectedBy).toMatchObject({ shed: 0, timeout: 1 });
  await model.finish(0);
});

test('one slow batch (a garbage collection) does not start a shedding spree', async () => {
  const model = manualBatchFn<string>();
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true });
  await warmUp(predict, model, 10, 1, 5);
  void predict('slow');
  await jest.advanceTimersByTimeAsync(0);
  await jest.advanceTimersByTimeAsync(150); // running 15 times as long as predicted
  // While it runs past its prediction, it is taken to end now: 10 ms + 10 ms <= 50.
  const during = track(predict('during', { timeout: 50 }));
  await flushMicrotasks();
  expect(during.status).toBe('pending');
  await jest.advanceTimersByTimeAsync(50);
  await model.finish(0);
  expect(during.reason).toBeInstanceOf(TimeoutError); // it waited on the slow batch: the deadline's business
  // After it, the model still predicts about 10 ms: calls with 30 ms to spare go on being taken.
  expect(predict.stats().latency!.baseMs).toBe(10);
  const after = Array.from({ length: 4 }, (_, i) => track(predict(`after${i}`, { timeout: 30 })));
  await flushMicrotasks();
  expect(after.map((call) => call.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
  await jest.advanceTimersByTimeAsync(10);
  await model.finish(model.batches.length - 1);
  expect(after.map((call) => call.status)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
  expect(predict.stats().rejectedBy.shed).toBe(0);
});

test('under capacity it sheds nothing: steady arrivals at 60% of what the model serves, all with deadlines', async () => {
  const model = simulatedModel<number>(10, 0.3); // capacity at batches of 32: ~1,600 items/s
  const predict = batched(model.fn, { delay: 'auto', maxBatchSize: 32, shed: true, timeout: 150 });
  const calls: ReturnType<typeof track<number>>[] = [];
  for (let ms = 0; ms < 2_000; ms++) {
    calls.push(track(predict(ms))); // 1,000 calls/s: one per ms, 60% of capacity
    await jest.advanceTimersByTimeAsync(1);
  }
  await jest.advanceTimersByTimeAsync(200);
  expect(calls.filter((call) => call.status !== 'resolved')).toEqual([]);
  expect(predict.stats().rejectedBy.shed).toBe(0);
  expect(predict.stats().latency!.samples).toBeGreaterThan(3);
});

test('over capacity it sheds what cannot make it, and whatever runs is answered in time', async () => {
  const model = simulatedModel<number>(10, 0.3);
  const predict = batched(model.fn, { delay: 'auto', maxBatchSize: 32, shed: true, timeout: 150 });
  const calls: { state: ReturnType<typeof track<number>>; at: number }[] = [];
  for (let ms = 0; ms < 2_000; ms++) {
    for (let i = 0; i < 3; i++) calls.push({ state: track(predict(ms)), at: ms }); // 3,000 calls/s: ~1.8x
    await jest.advanceTimersByTimeAsync(1);
  }
  await jest.advanceTimersByTimeAsync(200);
  const { rejectedBy, items } = predict.stats();
  const answered = calls.filter((call) => call.state.status === 'resolved').length;
  expect(rejectedBy.shed).toBeGreaterThan(0);
  expect(rejectedBy.timeout).toBe(0); // nothing admitted missed its deadline
  expect(answered + rejectedBy.shed).toBe(calls.length);
  expect(items).toBe(answered); // the model ran only what was answered
});

// Issue 27, finding 5: retryAfterMs is when a retry is admitted, margin included.
test('a retry made exactly retryAfterMs later, with the same timeout, is admitted; a millisecond sooner it is shed again', async () => {
  const model = simulatedModel<string>(10, 1); // a batch of n takes 10 + n ms
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true });
  await warmUpSizes(predict, [1, 4, 2]);
  for (let i = 0; i < 12; i++) void predict(`q${i}`);
  await jest.advanceTimersByTimeAsync(0);
  const first = track(predict('late', { timeout: 40 })); // answered in 56 ms, as in the first test
  await flushMicrotasks();
  const { retryAfterMs } = first.reason as OverloadedError;
  expect(retryAfterMs).toBe(17);

  await jest.advanceTimersByTimeAsync(retryAfterMs - 1);
  const tooSoon = track(predict('too soon', { timeout: 40 }));
  await flushMicrotasks();
  expect(tooSoon.reason).toBeInstanceOf(OverloadedError);
  await jest.advanceTimersByTimeAsync(1);
  const retry = track(predict('retry', { timeout: 40 }));
  await jest.advanceTimersByTimeAsync(100);
  expect(retry).toMatchObject({ status: 'resolved', value: 'retry' });
  expect(predict.stats().rejectedBy.shed).toBe(2);
});

test('retryAfterMs is Infinity, and the message says no retry can succeed, when an idle model cannot make the deadline', async () => {
  const model = simulatedModel<string>(10, 0); // every batch takes 10 ms
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true });
  await warmUpSizes(predict, [1, 2, 3]);
  const hopeless = track(predict('x', { timeout: 5 }));
  await flushMicrotasks();
  const error = hopeless.reason as OverloadedError;
  expect(error).toBeInstanceOf(OverloadedError);
  expect(error.retryAfterMs).toBe(Infinity);
  expect(error.message).toBe(
    'fn: shed on arrival: it would be answered in 10.0 ms (predicted), but the call had 5.0 ms left ' +
      '(a batch is predicted to run 10.00 ms + 0.000 ms per item); no retry can succeed: alone on an idle model it would take 10.0 ms',
  );
});

// Issue 27, finding 6: a deadline that passed before its timer ran is a timeout, not a shed.
test('an item whose deadline has passed when its batch is formed rejects with TimeoutError, counted as a timeout', async () => {
  const model = manualBatchFn<string>();
  const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true });
  await warmUp(predict, model, 10);
  void predict('slow batch');
  await jest.advanceTimersByTimeAsync(0);
  // The running batch ends at 30 ms, in the same instant as the call's deadline, and its timer
  // runs first: the next batch is formed at the deadline, before the deadline's own timer.
  setTimeout(() => void model.finish(0), 30);
  const late = track(predict('late', { timeout: 30 }));
  await jest.advanceTimersByTimeAsync(30);
  expect(late.reason).toBeInstanceOf(TimeoutError);
  expect((late.reason as Error).message).toBe("fn: the call's deadline passed 0.0 ms before its batch was formed");
  expect(predict.stats().rejectedBy).toMatchObject({ timeout: 1, shed: 0 });
  expect(model.batches.map((batch) => batch.items)).toEqual([['slow batch']]);
});
