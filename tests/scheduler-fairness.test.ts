import { OverloadedError, batched } from '../src/index.js';
import { flushMicrotasks, simulatedModel, track } from './support/recorder.js';

// Issue 27, findings 1 and 2: the scheduler's promises hold when two sections meet.
// Finding 1 (contract §5 with §9): a key that is due goes before a fresher full one, whatever
// the timing policy; finding 2 (contract §10 with §9): the forecast on arrival places a call
// where the queue discipline takes it, priority first.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe.each([['auto' as const], [0], [5]])('delay %s: a light key is not starved by a busy one', (delay) => {
  test('key A sends a full batch every 5 ms, key B one call: B rides in one of the next two batches', async () => {
    const model = simulatedModel<string>(10, 0); // every batch takes 10 ms
    const predict = batched(model.fn, { delay, maxBatchSize: 4, partitionBy: (item: string) => item[0]! });
    const burst = (t: number) => {
      for (let i = 0; i < 4; i++) void predict(`A${t}.${i}`);
    };
    burst(0);
    await jest.advanceTimersByTimeAsync(2);
    const b = track(predict('B'));
    let now = 2;
    for (let t = 5; t <= 300; t += 5) {
      await jest.advanceTimersByTimeAsync(t - now);
      now = t;
      burst(t);
    }
    await jest.advanceTimersByTimeAsync(1_000);
    expect(b.status).toBe('resolved');
    const batchOfB = model.calls.findIndex((batch) => batch.includes('B'));
    expect(model.calls[batchOfB]).toEqual(['B']);
    expect(batchOfB).toBeLessThanOrEqual(2); // after the batch running when it came, and at most one more
  });
});

describe('the forecast on arrival follows priority', () => {
  test('a priority-1 call is forecast ahead of 40 queued priority-0 calls: admitted, and answered in time', async () => {
    const model = simulatedModel<string>(10, 1); // a batch of n takes 10 + n ms
    const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true });
    for (const size of [1, 4, 2]) {
      for (let i = 0; i < size; i++) void predict('warm');
      await jest.advanceTimersByTimeAsync(100);
    }
    for (let i = 0; i < 40; i++) void predict(`bulk${i}`); // no deadline: ten batches, 140 ms of work
    await jest.advanceTimersByTimeAsync(0);
    // Behind the running batch (14 ms) and in the next one: answered in about 28 ms.
    const urgent = track(predict('urgent', { priority: 1, timeout: 40 }));
    const sameButLow = track(predict('low', { priority: 0, timeout: 40 }));
    await flushMicrotasks();
    expect(urgent.status).toBe('pending');
    expect(sameButLow.reason).toBeInstanceOf(OverloadedError); // behind all 40: it would be late
    await jest.advanceTimersByTimeAsync(39);
    expect(urgent).toMatchObject({ status: 'resolved', value: 'urgent' });
    expect(model.calls[4]).toContain('urgent'); // three warm-up batches, the one running, then its own
    expect(predict.stats().rejectedBy.shed).toBe(1);
  });

  test('a call behind a higher priority is forecast behind it', async () => {
    const model = simulatedModel<string>(10, 1);
    const predict = batched(model.fn, { delay: 0, maxBatchSize: 4, shed: true });
    for (const size of [1, 4, 2]) {
      for (let i = 0; i < size; i++) void predict('warm');
      await jest.advanceTimersByTimeAsync(100);
    }
    for (let i = 0; i < 40; i++) void predict(`vip${i}`, { priority: 2 });
    await jest.advanceTimersByTimeAsync(0);
    const middle = track(predict('middle', { priority: 1, timeout: 40 }));
    await flushMicrotasks();
    expect(middle.reason).toBeInstanceOf(OverloadedError); // 36 priority-2 calls still queued ahead
  });
});
