import fc from 'fast-check';
import { batched } from '../src/index.js';

// For random call schedules, sizes, delays and concurrency: every call settles exactly once
// with its own result, no batch exceeds maxBatchSize, no more than `concurrency` batches run
// at once, and batches go out in arrival order. Each property has a generous time limit: a
// loaded CI machine must not fail it.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const schedule = fc.record({
  maxBatchSize: fc.integer({ min: 1, max: 6 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  delay: fc.oneof(fc.constantFrom<number | 'auto'>(0, 'auto'), fc.integer({ min: 1, max: 30 })),
  /** Groups of calls: `gap` ms after the previous group, `count` calls in one tick. */
  arrivals: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 40 }), count: fc.integer({ min: 1, max: 7 }) }), {
    minLength: 1,
    maxLength: 12,
  }),
  /** How long each batch runs, cycled. */
  runMs: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 5 }),
});

test('nothing is lost, nothing settles twice, limits hold', async () => {
  await fc.assert(
    fc.asyncProperty(schedule, async ({ maxBatchSize, concurrency, delay, arrivals, runMs }) => {
      const batches: number[][] = [];
      let running = 0;
      let maxRunning = 0;
      const predict = batched(
        async (items: number[]) => {
          batches.push([...items]);
          maxRunning = Math.max(maxRunning, ++running);
          await new Promise((resolve) => setTimeout(resolve, runMs[batches.length % runMs.length]));
          running--;
          return items.map((x) => x * 10);
        },
        { maxBatchSize, concurrency, delay },
      );

      const settles: number[] = [];
      const values: unknown[] = [];
      let next = 0;
      for (const { gap, count } of arrivals) {
        await jest.advanceTimersByTimeAsync(gap);
        for (let i = 0; i < count; i++) {
          const id = next++;
          settles[id] = 0;
          predict(id).then(
            (value) => ((values[id] = value), settles[id]!++),
            () => settles[id]!++,
          );
        }
      }
      await jest.advanceTimersByTimeAsync(10_000);

      expect(settles).toEqual(Array.from({ length: next }, () => 1));
      expect(values).toEqual(Array.from({ length: next }, (_, id) => id * 10));
      expect(batches.flat()).toEqual(Array.from({ length: next }, (_, id) => id)); // FIFO
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(maxBatchSize);
      expect(maxRunning).toBeLessThanOrEqual(concurrency);
      expect(predict.stats()).toMatchObject({ queued: 0, running: 0, resolved: next, rejected: 0 });
      expect(jest.getTimerCount()).toBe(0);
    }),
    { numRuns: 300 },
  );
}, 120_000);

type Behaviour = 'resolve' | 'reject' | 'throw' | 'hang' | 'wrongLength' | 'errorSlot';

const faultySchedule = fc.record({
  maxBatchSize: fc.integer({ min: 1, max: 5 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  delay: fc.oneof(fc.constantFrom<number | 'auto'>(0, 'auto'), fc.integer({ min: 1, max: 30 })),
  maxQueueSize: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 8 })),
  batchTimeout: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
  behaviours: fc.array(fc.constantFrom<Behaviour>('resolve', 'reject', 'throw', 'hang', 'wrongLength', 'errorSlot'), {
    minLength: 1,
    maxLength: 6,
  }),
  runMs: fc.integer({ min: 0, max: 40 }),
  events: fc.array(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('call' as const),
          gap: fc.integer({ min: 0, max: 20 }),
          abortAfter: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
          timeout: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('configure' as const),
          gap: fc.integer({ min: 0, max: 20 }),
          maxBatchSize: fc.integer({ min: 1, max: 5 }),
          delay: fc.integer({ min: 0, max: 30 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('flush' as const), gap: fc.integer({ min: 0, max: 20 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('close' as const), gap: fc.integer({ min: 0, max: 20 }) }),
      },
    ),
    { minLength: 1, maxLength: 30 },
  ),
});

test('under aborts, deadlines, queue caps, faults, hung batches, reconfiguration and close: every call settles exactly once', async () => {
  await fc.assert(
    fc.asyncProperty(faultySchedule, async (schedule) => {
      const { concurrency, delay, maxQueueSize, batchTimeout, behaviours, runMs, events } = schedule;
      let maxBatchSize = schedule.maxBatchSize;
      let oversized = false;
      let reports = 0;
      const batches: number[][] = [];
      let running = 0;
      let maxRunning = 0;
      const predict = batched(
        async (items: number[]) => {
          oversized ||= items.length > maxBatchSize; // the limit in force at dispatch
          batches.push([...items]);
          maxRunning = Math.max(maxRunning, ++running);
          const behaviour = behaviours[batches.length % behaviours.length]!;
          if (behaviour === 'throw') throw new Error('sync');
          // A hung batch only where batchTimeout can free it; otherwise its callers could wait forever.
          if (behaviour === 'hang' && batchTimeout !== undefined) await new Promise(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, runMs));
          if (behaviour === 'reject') throw new Error('async');
          if (behaviour === 'wrongLength') return items.slice(1);
          return items.map((x) => (behaviour === 'errorSlot' && x % 2 ? new Error(`odd ${x}`) : x * 10));
        },
        // The slot is held from dispatch until the engine reports the batch (onBatch): when
        // the method settles, or earlier when batchTimeout frees it.
        { maxBatchSize, concurrency, delay, maxQueueSize, batchTimeout, onBatch: () => (running--, reports++) },
      );

      const settles: number[] = [];
      const values = new Map<number, unknown>();
      const closes: Promise<void>[] = [];
      let closedAt = Infinity;
      let next = 0;
      for (const event of events) {
        await jest.advanceTimersByTimeAsync(event.gap);
        if (event.kind === 'call') {
          const id = next++;
          settles[id] = 0;
          const controller = new AbortController();
          if (event.abortAfter !== undefined) setTimeout(() => controller.abort(new Error('abort')), event.abortAfter);
          predict(id, {
            signal: controller.signal,
            ...(event.timeout === undefined ? {} : { timeout: event.timeout }),
          }).then(
            (value) => (values.set(id, value), settles[id]!++),
            () => settles[id]!++,
          );
        } else if (event.kind === 'configure') {
          maxBatchSize = event.maxBatchSize;
          predict.configure({ maxBatchSize, delay: event.delay });
        } else if (event.kind === 'flush') {
          predict.flush();
        } else {
          closedAt = Math.min(closedAt, next);
          closes.push(predict.close());
        }
      }
      const closed = Promise.all(closes).then(() => settles.slice(0, closedAt));
      await jest.advanceTimersByTimeAsync(10_000);

      expect(settles).toEqual(Array.from({ length: next }, () => 1)); // exactly once, nothing lost
      for (const [id, value] of values) expect(value).toBe(id * 10); // its own result
      const dispatched = batches.flat();
      expect(dispatched).toEqual([...dispatched].sort((a, b) => a - b)); // FIFO
      expect(oversized).toBe(false);
      expect(reports).toBe(batches.length); // each batch reported once, late results ignored
      expect(maxRunning).toBeLessThanOrEqual(concurrency);
      if (closes.length > 0) expect((await closed).every((count) => count === 1)).toBe(true);
      expect(predict.stats()).toMatchObject({ queued: 0, resolved: values.size, rejected: next - values.size });
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 3_000) },
  );
}, 120_000);

// contract §9 under random costs, keys and priorities, with aborts, deadlines, budget changes,
// flushes and close: every call still settles exactly once with its own result, no batch
// breaks its count or cost limit, no key shares a batch, FIFO holds within one key and one
// priority, and every emptied key is forgotten.
const weightedSchedule = fc.record({
  maxBatchSize: fc.integer({ min: 1, max: 5 }),
  maxBatchCost: fc.integer({ min: 1, max: 12 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  delay: fc.oneof(fc.constantFrom<number | 'auto'>(0, 'auto'), fc.integer({ min: 1, max: 30 })),
  maxQueueSize: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 10 })),
  runMs: fc.integer({ min: 0, max: 40 }),
  events: fc.array(
    fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record({
          kind: fc.constant('call' as const),
          gap: fc.integer({ min: 0, max: 15 }),
          cost: fc.integer({ min: 0, max: 14 }), // sometimes above the budget: a RangeError
          key: fc.constantFrom<string | number>('a', 'b', 1, '1'),
          priority: fc.integer({ min: -2, max: 2 }),
          abortAfter: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
          timeout: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('budget' as const),
          gap: fc.integer({ min: 0, max: 20 }),
          maxBatchCost: fc.integer({ min: 1, max: 12 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('flush' as const), gap: fc.integer({ min: 0, max: 20 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('close' as const), gap: fc.integer({ min: 0, max: 20 }) }),
      },
    ),
    { minLength: 1, maxLength: 30 },
  ),
});

test('under random costs, keys and priorities: exactly once, within limits, keys apart, FIFO per key and priority', async () => {
  await fc.assert(
    fc.asyncProperty(weightedSchedule, async (schedule) => {
      const { maxBatchSize, concurrency, delay, maxQueueSize, runMs, events } = schedule;
      let maxBatchCost = schedule.maxBatchCost;
      const calls: { cost: number; key: string | number; priority: number }[] = [];
      const batches: number[][] = [];
      let brokenLimit = false;
      let running = 0;
      let maxRunning = 0;
      const predict = batched(
        async (ids: number[]) => {
          const cost = ids.reduce((sum, id) => sum + calls[id]!.cost, 0);
          brokenLimit ||= ids.length > maxBatchSize || cost > maxBatchCost; // the budget in force at dispatch
          batches.push([...ids]);
          maxRunning = Math.max(maxRunning, ++running);
          await new Promise((resolve) => setTimeout(resolve, runMs));
          running--;
          return ids.map((id) => id * 10);
        },
        {
          maxBatchSize,
          concurrency,
          delay,
          maxQueueSize,
          maxBatchCost,
          cost: (id) => calls[id]!.cost,
          partitionBy: (id) => calls[id]!.key,
        },
      );

      const settles: number[] = [];
      const values = new Map<number, unknown>();
      for (const event of events) {
        await jest.advanceTimersByTimeAsync(event.gap);
        if (event.kind === 'call') {
          const id = calls.push(event) - 1;
          settles[id] = 0;
          const controller = new AbortController();
          if (event.abortAfter !== undefined) setTimeout(() => controller.abort(new Error('abort')), event.abortAfter);
          predict(id, {
            signal: controller.signal,
            priority: event.priority,
            ...(event.timeout === undefined ? {} : { timeout: event.timeout }),
          }).then(
            (value) => (values.set(id, value), settles[id]!++),
            () => settles[id]!++,
          );
        } else if (event.kind === 'budget') {
          maxBatchCost = event.maxBatchCost;
          predict.configure({ maxBatchCost });
        } else if (event.kind === 'flush') {
          predict.flush();
        } else {
          void predict.close();
        }
      }
      await jest.advanceTimersByTimeAsync(10_000);

      expect(settles).toEqual(calls.map(() => 1)); // exactly once, nothing lost
      for (const [id, value] of values) expect(value).toBe(id * 10); // its own result
      expect(brokenLimit).toBe(false);
      expect(maxRunning).toBeLessThanOrEqual(concurrency);
      for (const batch of batches) expect(new Set(batch.map((id) => calls[id]!.key)).size).toBe(1);
      const dispatched = batches.flat();
      for (const key of ['a', 'b', 1, '1']) {
        for (let priority = -2; priority <= 2; priority++) {
          const lane = dispatched.filter((id) => calls[id]!.key === key && calls[id]!.priority === priority);
          expect(lane).toEqual([...lane].sort((x, y) => x - y));
        }
      }
      expect(predict.stats()).toMatchObject({ queued: 0, partitions: 0, resolved: values.size });
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 1_000) },
  );
}, 120_000);
