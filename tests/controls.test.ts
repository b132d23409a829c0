import {
  BatcherClosedError,
  BatchTimeoutError,
  QueueFullError,
  TimeoutError,
  batched,
  type BatchEvent,
} from '../src/index.js';
import { expectOptionError } from './support/option-errors.js';
import { flushMicrotasks, manualBatchFn, NO_REJECTIONS, recordingBatchFn, track } from './support/recorder.js';

// contract §4 (queue, abort, deadlines, batchTimeout, close) and §7 (flush, drain, close, stats, configure).
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const identity = (x: number) => x;

describe('maxQueueSize', () => {
  test('past it, a call rejects at once with QueueFullError; the queued ones still run', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 10, maxQueueSize: 2 });
    const accepted = [track(predict(1)), track(predict(2))];
    const refused = track(predict(3));
    await flushMicrotasks();
    expect(refused.status).toBe('rejected');
    expect(refused.reason).toBeInstanceOf(QueueFullError);
    expect((refused.reason as QueueFullError).code).toBe('ERR_QUEUE_FULL');
    expect((refused.reason as Error).message).toBe('fn: the queue is full (maxQueueSize: 2); try again later');
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([[1, 2]]);
    expect(accepted.map((r) => r.value)).toEqual([1, 2]);
  });

  test('counts only waiting items, not running ones', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0, maxBatchSize: 2, maxQueueSize: 2 });
    void predict(1);
    void predict(2); // a full batch: dispatched, no longer queued
    const waiting = [track(predict(3)), track(predict(4))];
    const fifth = track(predict(5));
    await flushMicrotasks();
    expect(batches).toHaveLength(1);
    expect(waiting.map((r) => r.status)).toEqual(['pending', 'pending']);
    expect(fifth.reason).toBeInstanceOf(QueueFullError);
  });

  test('maxQueueSize 0 would refuse every call: it is an option error', () => {
    expectOptionError(
      { maxQueueSize: 0 },
      'Expected `maxQueueSize` to be an integer >= 1 or Infinity, got `0` (number)',
    );
  });
});

describe('abort and deadlines', () => {
  test('an abort while the item waits removes it from the queue; it never runs', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 10 });
    const controller = new AbortController();
    const aborted = track(predict(1, { signal: controller.signal }));
    const kept = track(predict(2));
    const reason = new Error('client went away');
    controller.abort(reason);
    await flushMicrotasks();
    expect(aborted.reason).toBe(reason);
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([[2]]);
    expect(kept.value).toBe(2);
  });

  test('aborting the front item moves the fixed window to the next item', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 50 });
    const controller = new AbortController();
    void predict(1, { signal: controller.signal }).catch(() => undefined);
    await jest.advanceTimersByTimeAsync(20);
    void predict(2); // waits from t = 20
    controller.abort();
    await jest.advanceTimersByTimeAsync(49); // t = 69
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(1); // t = 70
    expect(calls).toEqual([[2]]);
  });

  test('an abort while its batch runs rejects at once; the batch goes on and that result is dropped', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0 });
    const controller = new AbortController();
    const leaving = track(predict(1, { signal: controller.signal }));
    const staying = track(predict(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(1);
    controller.abort(new Error('gone'));
    await flushMicrotasks();
    expect((leaving.reason as Error).message).toBe('gone');
    expect(batches[0]!.context.signal.aborted).toBe(false); // one caller still waits
    batches[0]!.resolve([10, 20]);
    await flushMicrotasks();
    expect(staying.value).toBe(20);
    expect(leaving.settles).toBe(1);
  });

  test('a signal already aborted rejects at once with its reason', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 0 });
    const reason = new Error('already gone');
    await expect(predict(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([]);
  });

  test('a deadline passing while the item waits rejects with TimeoutError; it never runs', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 100 });
    const late = track(predict(1, { timeout: 30 }));
    await jest.advanceTimersByTimeAsync(29);
    expect(late.status).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect(late.reason).toBeInstanceOf(TimeoutError);
    expect((late.reason as Error).message).toBe('fn: the call timed out after 30 ms');
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([]);
  });

  test('the `timeout` option is the default deadline, and a per-call timeout overrides it', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0, timeout: 50 });
    const byOption = track(predict(1));
    const byCall = track(predict(2, { timeout: 80 }));
    await jest.advanceTimersByTimeAsync(50);
    expect(byOption.reason).toBeInstanceOf(TimeoutError);
    expect(byCall.status).toBe('pending');
    await jest.advanceTimersByTimeAsync(30);
    expect(byCall.reason).toBeInstanceOf(TimeoutError);
    expect(batches[0]!.context.signal.aborted).toBe(true); // every caller has gone
  });

  test('a per-call `timeout: Infinity` means no deadline for that call, whatever the option says', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0, timeout: 50 });
    const unbounded = track(predict(1, { timeout: Infinity }));
    const bounded = track(predict(2));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(bounded.reason).toBeInstanceOf(TimeoutError);
    expect(unbounded.status).toBe('pending');
    batches[0]!.resolve([1, 2]);
    await flushMicrotasks();
    expect(unbounded.value).toBe(1);
  });

  test("the batch's signal aborts when every caller has gone", async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0 });
    const controllers = [new AbortController(), new AbortController()];
    controllers.forEach((c, i) => void predict(i, { signal: c.signal }).catch(() => undefined));
    await jest.advanceTimersByTimeAsync(0);
    const { signal } = batches[0]!.context;
    controllers[0]!.abort();
    expect(signal.aborted).toBe(false);
    controllers[1]!.abort(new Error('last one out'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('last one out');
  });

  test('settling normally removes the abort listener and clears the deadline timer', async () => {
    const predict = batched(async (xs: number[]) => xs, { delay: 0 });
    const controller = new AbortController();
    await Promise.all([predict(1, { signal: controller.signal, timeout: 1_000 }), jest.advanceTimersByTimeAsync(0)]);
    expect(jest.getTimerCount()).toBe(0);
    controller.abort(); // must not reach the settled call
  });
});

describe('batchTimeout', () => {
  test('a hung batch rejects its callers with BatchTimeoutError and frees its slot', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0, maxBatchSize: 2, batchTimeout: 100 });
    const hung = [track(predict(1)), track(predict(2))];
    const next = track(predict(3));
    await jest.advanceTimersByTimeAsync(99);
    expect(batches).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    for (const call of hung) expect(call.reason).toBeInstanceOf(BatchTimeoutError);
    expect((hung[0]!.reason as Error).message).toBe('fn: a batch of 2 items ran longer than batchTimeout (100 ms)');
    expect(batches[0]!.context.signal.aborted).toBe(true);
    expect(batches[0]!.context.signal.reason).toBe(hung[0]!.reason);
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3]]); // the slot was freed
    batches[0]!.resolve([10, 20]); // a late result is dropped
    batches[1]!.resolve([30]);
    await flushMicrotasks();
    expect(hung.map((c) => c.settles)).toEqual([1, 1]);
    expect(next.value).toBe(30);
  });
});

describe('flush()', () => {
  test('dispatches what is queued now without waiting for the delay', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 1_000 });
    void predict(1);
    void predict(2);
    predict.flush();
    await flushMicrotasks();
    expect(calls).toEqual([[1, 2]]);
  });

  test('respects the slots: flushed items go when a slot frees', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 1_000, maxBatchSize: 1 });
    void predict(1);
    void predict(2);
    predict.flush();
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    batches[0]!.resolve([1]);
    await flushMicrotasks();
    expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
  });
});

describe('drain()', () => {
  test('resolves when everything queued or running at the call has settled', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 10 });
    void predict(1);
    await jest.advanceTimersByTimeAsync(10); // [1] running
    void predict(2); // queued
    const drained = track(predict.drain());
    void predict(3); // after the drain: not waited for
    batches[0]!.resolve([1]);
    await jest.advanceTimersByTimeAsync(10);
    expect(drained.status).toBe('pending');
    batches[1]!.resolve([2, 3]);
    await flushMicrotasks();
    expect(drained.status).toBe('resolved');
  });

  test('waits for a batch method still running after all its callers timed out', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0 });
    const gone = track(predict(1, { timeout: 50 }));
    await jest.advanceTimersByTimeAsync(50);
    expect(gone.reason).toBeInstanceOf(TimeoutError);
    const drained = track(predict.drain());
    await flushMicrotasks();
    expect(drained.status).toBe('pending'); // the method still holds the model
    expect(predict.stats().running).toBe(1);
    batches[0]!.resolve([1]);
    await flushMicrotasks();
    expect(drained.status).toBe('resolved');
    expect(predict.stats().running).toBe(0);
  });

  test('stops waiting for an abandoned batch once its batchTimeout passes', async () => {
    const { fn } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0, batchTimeout: 300 });
    const controller = new AbortController();
    void predict(1, { signal: controller.signal }).catch(() => undefined);
    await jest.advanceTimersByTimeAsync(0);
    controller.abort(new Error('gone'));
    const drained = track(predict.drain());
    await jest.advanceTimersByTimeAsync(299);
    expect(drained.status).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect(drained.status).toBe('resolved');
  });

  test('resolves at once when idle', async () => {
    await expect(batched(async (xs: number[]) => xs).drain()).resolves.toBeUndefined();
  });
});

describe('close()', () => {
  test('rejects new calls, runs everything queued without waiting, and resolves when all settled', async () => {
    const { fn, calls } = recordingBatchFn(identity, 5);
    const predict = batched(fn, { delay: 1_000, maxBatchSize: 2 });
    const queued = [1, 2, 3].map((x) => track(predict(x)));
    const closed = track(predict.close());
    const refused = track(predict(4));
    await flushMicrotasks();
    expect(refused.reason).toBeInstanceOf(BatcherClosedError);
    expect((refused.reason as Error).message).toBe('fn is closed and takes no new calls');
    expect(calls).toEqual([[1, 2]]);
    await jest.advanceTimersByTimeAsync(5);
    expect(calls).toEqual([[1, 2], [3]]);
    expect(closed.status).toBe('pending');
    await jest.advanceTimersByTimeAsync(5);
    expect(closed.status).toBe('resolved');
    expect(queued.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(predict.stats()).toMatchObject({ queued: 0, running: 0 });
  });
});

describe('close() and a method still running', () => {
  test('waits for a batch method whose every caller timed out, so releasing the model after it is safe', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0 });
    void predict(1, { timeout: 50 }).catch(() => undefined);
    await jest.advanceTimersByTimeAsync(50);
    const closed = track(predict.close());
    await jest.advanceTimersByTimeAsync(250);
    expect(closed.status).toBe('pending');
    expect(predict.stats().running).toBe(1);
    batches[0]!.resolve([1]);
    await flushMicrotasks();
    expect(closed.status).toBe('resolved');
    expect(predict.stats().running).toBe(0);
  });
});

describe('stats()', () => {
  test('counts queue, batches, items, outcomes and batch sizes', async () => {
    const predict = batched(async (xs: number[]) => xs.map((x) => (x < 0 ? new Error('negative') : x)), {
      delay: 10,
      maxBatchSize: 3,
    });
    [1, 2, -3, 4].forEach((x) => void predict(x).catch(() => undefined));
    expect(predict.stats()).toMatchObject({ queued: 1, partitions: 1, running: 1, batches: 1, items: 3 });
    await jest.advanceTimersByTimeAsync(10);
    expect(predict.stats()).toEqual({
      queued: 0,
      partitions: 0,
      running: 0,
      batches: 2,
      items: 4,
      resolved: 3,
      rejected: 1,
      meanBatchSize: 2,
      batchSizes: { 3: 1, 1: 1 },
      deduplicated: 0,
      cacheHits: 0,
      rejectedBy: { ...NO_REJECTIONS, resultError: 1 },
    });
  });
});

describe('configure()', () => {
  test('changes options from now on', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 10, maxBatchSize: 8 });
    predict.configure({ maxBatchSize: 2 });
    [1, 2, 3].forEach((x) => void predict(x));
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([[1, 2], [3]]);
  });

  test.each([
    ['timeout', { timeout: 20 }, { timeout: undefined }],
    ['batchTimeout', { batchTimeout: 20 }, { batchTimeout: undefined }],
  ])('`%s: undefined` removes the deadline it had', async (_, set, unset) => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0, ...set });
    predict.configure(unset);
    const call = track(predict(1));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(call.status).toBe('pending');
    batches[0]!.resolve([1]);
    await flushMicrotasks();
    expect(call.value).toBe(1);
  });

  test('`input`, `output` and `onBatch` given as undefined are removed; other keys stay', async () => {
    const events: BatchEvent[] = [];
    const predict = batched(async (xs: number[]) => xs, {
      delay: 5,
      input: (x: number) => x > 0,
      output: (x: number) => x > 0,
      onBatch: (event) => events.push(event),
    });
    predict.configure({ input: undefined, output: undefined, onBatch: undefined });
    const call = track(predict(-1));
    await jest.advanceTimersByTimeAsync(4);
    expect(call.status).toBe('pending'); // delay 5 kept
    await jest.advanceTimersByTimeAsync(1);
    expect(call.value).toBe(-1);
    expect(events).toEqual([]);
  });

  test('`delay: undefined` goes back to the default 50 ms', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 5 });
    predict.configure({ delay: undefined });
    void predict(1);
    await jest.advanceTimersByTimeAsync(49);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([[1]]);
  });

  test('a running batch keeps the options it was dispatched with', async () => {
    const { fn, batches } = manualBatchFn<number>();
    const predict = batched(fn, { delay: 0, batchTimeout: 100 });
    const first = track(predict(1));
    await jest.advanceTimersByTimeAsync(0);
    predict.configure({ batchTimeout: 10, output: (x: number) => x > 0 });
    await jest.advanceTimersByTimeAsync(50);
    expect(first.status).toBe('pending'); // still on its 100 ms
    batches[0]!.resolve([-1]); // the new output check does not apply to it
    await flushMicrotasks();
    expect(first.value).toBe(-1);
  });

  test('a shorter delay applies to items already waiting', async () => {
    const { fn, calls } = recordingBatchFn(identity);
    const predict = batched(fn, { delay: 1_000 });
    void predict(1);
    await jest.advanceTimersByTimeAsync(20);
    predict.configure({ delay: 30 });
    await jest.advanceTimersByTimeAsync(9);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([[1]]);
  });
});

describe('onBatch', () => {
  test('is called after each batch with size, queuedMs, runMs and the error', async () => {
    const events: BatchEvent[] = [];
    let fail = false;
    const failure = new Error('boom');
    const predict = batched(
      async (xs: number[]) => {
        await new Promise((resolve) => setTimeout(resolve, 7));
        if (fail) throw failure;
        return xs;
      },
      { delay: 20, onBatch: (event) => events.push(event) },
    );
    void predict(1);
    void predict(2);
    await jest.advanceTimersByTimeAsync(27);
    fail = true;
    void predict(3).catch(() => undefined);
    await jest.advanceTimersByTimeAsync(27);
    const anyNumber: unknown = expect.any(Number);
    const anyArray: unknown = expect.any(Array);
    expect(events).toEqual([
      { size: 2, queuedMs: 20, runMs: 7, startedAt: anyNumber, items: anyArray, trigger: 'window' },
      { size: 1, queuedMs: 20, runMs: 7, startedAt: anyNumber, items: anyArray, trigger: 'window', error: failure },
    ]);
    // When the batch started, on the wall clock: the second 27 ms after the first.
    expect(events[1]!.startedAt - events[0]!.startedAt).toBeCloseTo(27, 5);
  });

  test("reports each item's queue wait and its caller's `meta`, in batch order", async () => {
    const events: BatchEvent[] = [];
    const predict = batched(async (xs: string[]) => xs, { delay: 20, onBatch: (event) => events.push(event) });
    const traceA = { traceId: 'a' };
    void predict('first', { meta: traceA });
    await jest.advanceTimersByTimeAsync(15);
    void predict('second'); // no meta
    void predict('third', { meta: 'request-3' });
    await jest.advanceTimersByTimeAsync(5);
    expect(events).toHaveLength(1);
    expect(events[0]!.items).toEqual([
      { queuedMs: 20, meta: traceA, callers: 1 },
      { queuedMs: 5, meta: undefined, callers: 1 },
      { queuedMs: 5, meta: 'request-3', callers: 1 },
    ]);
    expect(events[0]!.items[0]!.meta).toBe(traceA); // passed through, not copied
  });

  test('a hook that throws never breaks the batcher', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const predict = batched(async (xs: number[]) => xs, {
      delay: 0,
      onBatch: () => {
        throw new Error('metrics backend down');
      },
    });
    for (let i = 0; i < 3; i++) {
      const result = track(predict(i));
      await jest.advanceTimersByTimeAsync(0);
      expect(result.value).toBe(i);
    }
    expect(warn).toHaveBeenCalledTimes(1); // warned once, not once per batch
    expect(warn.mock.calls[0]![0]).toBe(
      'batched function: the onBatch hook threw (the batcher goes on): metrics backend down',
    );
    warn.mockRestore();
  });
});
