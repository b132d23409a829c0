import { OverloadedError, batched, type BatchEvent, type RejectionReason } from '../src/index.js';
import { expectOptionError } from './support/option-errors.js';
import { flushMicrotasks, manualBatchFn, NO_REJECTIONS, simulatedModel } from './support/recorder.js';

// contract §10: what the batcher has learnt (stats().latency, predictedWaitMs), why each call was
// refused (stats().rejectedBy) and why each batch left (BatchEvent.trigger). Fake timers.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('stats().latency and stats().predictedWaitMs', () => {
  test('absent until three batches have returned, then the learnt line and the wait of a call arriving now', async () => {
    const model = simulatedModel<number>(10, 1);
    const predict = batched(model.fn, { delay: 5, maxBatchSize: 4 });
    for (const size of [1, 4]) {
      for (let i = 0; i < size; i++) void predict(i);
      await jest.advanceTimersByTimeAsync(100);
    }
    expect(predict.stats()).not.toHaveProperty('latency');
    expect(predict.stats()).not.toHaveProperty('predictedWaitMs');
    void predict(0);
    void predict(0);
    await jest.advanceTimersByTimeAsync(100);
    expect(predict.stats().latency).toEqual({ baseMs: 10, perItemMs: 1, samples: 3 });
    // Idle: its own window (5 ms), then a batch of one (11 ms).
    expect(predict.stats().predictedWaitMs).toBe(16);
    for (let i = 0; i < 6; i++) void predict(i); // a full batch goes now (14 ms); 2 wait
    expect(predict.stats()).toMatchObject({ running: 1, queued: 2 });
    // The running batch ends in 14 ms; the call joins the 2 queued, a batch that fills while it
    // waits for the slot: 14 + 14.
    expect(predict.stats().predictedWaitMs).toBe(28);
    await jest.advanceTimersByTimeAsync(100);
  });

  test('with concurrency, batches ahead take the slot that frees first', async () => {
    const model = simulatedModel<number>(10, 0);
    const predict = batched(model.fn, { delay: 0, maxBatchSize: 1, concurrency: 2 });
    for (let i = 0; i < 3; i++) void predict(i);
    await jest.advanceTimersByTimeAsync(100);
    for (let i = 0; i < 5; i++) void predict(i);
    await jest.advanceTimersByTimeAsync(0); // two run (end at 10), three wait
    // Slots free at 10, 10; the three ahead end at 20, 20, 30; the call starts at 20, ends at 30.
    expect(predict.stats().predictedWaitMs).toBe(30);
    await jest.advanceTimersByTimeAsync(100);
  });

  test('with partitionBy, the wait of a key with nothing queued: every queued batch of other keys goes first', async () => {
    const model = simulatedModel<string>(10, 0);
    const predict = batched(model.fn, { delay: 0, maxBatchSize: 2, partitionBy: (x) => x[0]! });
    ['x', 'y', 'z'].forEach((x) => void predict(x)); // three batches, one per key
    await jest.advanceTimersByTimeAsync(100);
    ['a1', 'a2', 'a3', 'b1'].forEach((x) => void predict(x));
    await jest.advanceTimersByTimeAsync(0); // [a1, a2] runs; a3 and b1 wait, one batch each
    expect(predict.stats()).toMatchObject({ running: 1, queued: 2, partitions: 2 });
    expect(predict.stats().predictedWaitMs).toBe(40);
    await jest.advanceTimersByTimeAsync(100);
  });

  test('with a cost budget, the line is in units of cost', async () => {
    const model = manualBatchFn<number>();
    const predict = batched(model.fn, { delay: 0, maxBatchSize: 8, cost: (x: number) => x, maxBatchCost: 100 });
    for (const [i, cost] of [10, 20, 40].entries()) {
      void predict(cost);
      await jest.advanceTimersByTimeAsync(0);
      await jest.advanceTimersByTimeAsync(5 + cost / 10); // 5 ms + 0.1 ms per unit of cost
      await model.finish(i);
    }
    const latency = predict.stats().latency!;
    expect(latency.baseMs).toBeCloseTo(5, 6);
    expect(latency.perItemMs).toBeCloseTo(0.1, 6);
  });
});

describe('stats().rejectedBy', () => {
  test('counts every rejection by its reason; the counts add up to `rejected`', async () => {
    const model = manualBatchFn<number>();
    let mode: 'ok' | 'throw' | 'short' = 'ok';
    const predict = batched(
      async (xs: number[], context) => {
        if (mode === 'throw') throw new Error('boom');
        if (mode === 'short') return [];
        return model.fn(xs, context).then((ys) => ys.map((y) => (y === 13 ? new Error('thirteen') : y)));
      },
      {
        delay: 0,
        maxBatchSize: 1,
        maxQueueSize: 2,
        input: Number,
        output: (y: number) => y !== 7,
        batchTimeout: 1_000,
      },
    );
    const settle = (promise: Promise<unknown>) => promise.catch(() => undefined);
    const expected: Partial<Record<RejectionReason, number>> = {};
    const count = (why: RejectionReason) => (expected[why] = (expected[why] ?? 0) + 1);

    void settle(predict('x' as unknown as number)); // the input check
    void settle(predict(1, { priority: 1.5 })); // bad call options
    count('badInput');
    count('badInput');
    void settle(predict(1, { signal: AbortSignal.abort() }));
    count('abort');
    void settle(predict(1)); // runs: the queue is empty again
    await jest.advanceTimersByTimeAsync(0);
    const controller = new AbortController();
    void settle(predict(2, { signal: controller.signal })); // queued
    void settle(predict(3, { timeout: 5 })); // queued
    void settle(predict(4)); // the queue holds 2
    count('queueFull');
    controller.abort();
    count('abort');
    await jest.advanceTimersByTimeAsync(5);
    count('timeout');
    await model.finish(0);
    for (const y of [13, 7]) {
      void settle(predict(y));
      await jest.advanceTimersByTimeAsync(0);
      await model.finish(model.batches.length - 1);
    }
    count('resultError');
    count('contract'); // 7 fails the output check
    mode = 'throw';
    void settle(predict(1));
    await jest.advanceTimersByTimeAsync(0);
    count('batchError');
    mode = 'short';
    void settle(predict(1));
    await jest.advanceTimersByTimeAsync(0);
    count('contract');
    mode = 'ok';
    void settle(predict(1)); // never answered: batchTimeout
    await jest.advanceTimersByTimeAsync(1_000);
    count('batchTimeout');
    void predict.close();
    void settle(predict(1));
    count('closed');
    await flushMicrotasks();

    const { rejectedBy, rejected } = predict.stats();
    expect(rejectedBy).toEqual({ ...NO_REJECTIONS, ...expected });
    expect(Object.values(rejectedBy).reduce((sum, n) => sum + n, 0)).toBe(rejected);
  });

  test('a shed call counts under `shed`', async () => {
    const model = simulatedModel<number>(10, 0);
    const predict = batched(model.fn, { delay: 0, maxBatchSize: 1, shed: true });
    for (let i = 0; i < 3; i++) void predict(i);
    await jest.advanceTimersByTimeAsync(100);
    void predict(1);
    await expect(predict(2, { timeout: 5 })).rejects.toBeInstanceOf(OverloadedError);
    expect(predict.stats().rejectedBy.shed).toBe(1);
    expect(predict.stats().rejected).toBe(1);
    await jest.advanceTimersByTimeAsync(100);
  });
});

describe('BatchEvent.trigger: why the batch left', () => {
  async function triggers(
    options: Parameters<typeof batched<number, number>>[1],
    run: (
      predict: (x: number) => Promise<number>,
      controls: { flush(): void; close(): Promise<void> },
    ) => Promise<void>,
  ) {
    const events: BatchEvent[] = [];
    const predict = batched(async (xs: number[]) => xs, { ...options, onBatch: (event) => events.push(event) });
    await run(predict, predict);
    await jest.advanceTimersByTimeAsync(1_000);
    return events.map((event) => [event.size, event.trigger]);
  }

  test("'full', 'window', 'flush', 'close' with a fixed delay", async () => {
    expect(
      await triggers({ delay: 50, maxBatchSize: 2 }, async (predict, controls) => {
        void predict(1);
        void predict(2); // full
        void predict(3);
        await jest.advanceTimersByTimeAsync(50); // its window passed
        void predict(4);
        controls.flush();
        await jest.advanceTimersByTimeAsync(0);
        void predict(5);
        void controls.close();
      }),
    ).toEqual([
      [2, 'full'],
      [1, 'window'],
      [1, 'flush'],
      [1, 'close'],
    ]);
  });

  test("'turn' with delay 0 and 'auto'; a full batch is 'full' whatever else happened", async () => {
    for (const delay of [0, 'auto'] as const) {
      expect(
        await triggers({ delay, maxBatchSize: 2 }, async (predict, controls) => {
          void predict(1);
          await jest.advanceTimersByTimeAsync(0);
          void predict(2);
          void predict(3); // full
          controls.flush();
        }),
      ).toEqual([
        [1, 'turn'],
        [2, 'full'],
      ]);
    }
  });
});

test('`shed` must be a boolean', () => {
  expectOptionError({ shed: 'yes' }, 'Expected `shed` to be a boolean, got `"yes"` (string)');
});
