import fc from 'fast-check';
import { batched } from '../src/index.js';

// contract §11, for random schedules of calls with repeated keys, callers leaving, batches
// failing and cache operations: every caller settles exactly once; one that resolves gets its
// own key's result; a batch never holds a key twice; with `cache`, a key never runs in two
// batches at once; nothing is left queued, running or on a timer.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

type Step =
  | { kind: 'call'; key: number; leave: 'stay' | 'abort' | 'timeout'; priority: number }
  | { kind: 'abort'; which: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'prime'; key: number }
  | { kind: 'clear'; key: number }
  | { kind: 'clearAll' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      key: fc.integer({ min: 0, max: 5 }),
      leave: fc.constantFrom('stay' as const, 'abort' as const, 'timeout' as const),
      priority: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), which: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 25 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prime' as const), key: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), key: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clearAll' as const }) },
);

const setup = fc.record({
  cache: fc.boolean(),
  delay: fc.oneof(fc.constantFrom<number | 'auto'>(0, 'auto'), fc.integer({ min: 1, max: 15 })),
  maxBatchSize: fc.integer({ min: 1, max: 4 }),
  concurrency: fc.integer({ min: 1, max: 2 }),
  /** How each batch ends, cycled: its results, a rejection, or an `Error` for key 3. */
  endings: fc.array(fc.constantFrom('resolve', 'reject', 'errorForKey3'), { minLength: 1, maxLength: 4 }),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
});

test('every caller settles once, with its own key’s result', async () => {
  await fc.assert(
    fc.asyncProperty(setup, async ({ cache, delay, maxBatchSize, concurrency, endings, steps }) => {
      const running = new Map<number, number>(); // key -> batches running it
      let batchNo = 0;
      const problems: string[] = [];
      // `clear` forgets a key even while it runs: the next call may run it again, at once.
      const forgets = steps.some((s) => s.kind === 'clear' || s.kind === 'clearAll');
      const load = batched(
        async (keys: number[]) => {
          const ending = endings[batchNo++ % endings.length];
          if (new Set(keys).size !== keys.length) problems.push(`a batch held a key twice: ${keys.join()}`);
          for (const key of keys) {
            running.set(key, (running.get(key) ?? 0) + 1);
            if (cache && !forgets && running.get(key)! > 1) problems.push(`key ${key} ran twice at once`);
          }
          await new Promise((resolve) => setTimeout(resolve, 3 + keys.length));
          for (const key of keys) running.set(key, running.get(key)! - 1);
          if (ending === 'reject') throw new Error('batch failed');
          return keys.map((key) => (ending === 'errorForKey3' && key === 3 ? new Error('no 3') : key * 10));
        },
        { delay, maxBatchSize, concurrency, key: (key: number) => key, ...(cache ? { cache: true } : {}) },
      );

      const callers: { key: number; settles: number; value?: unknown; controller: AbortController }[] = [];
      for (const s of steps) {
        if (s.kind === 'call') {
          const controller = new AbortController();
          const caller = { key: s.key, settles: 0, value: undefined as unknown, controller };
          callers.push(caller);
          const call = {
            priority: s.priority,
            ...(s.leave === 'abort' ? { signal: controller.signal } : {}),
            ...(s.leave === 'timeout' ? { timeout: 7 } : {}),
          };
          load(s.key, call).then(
            (value) => ((caller.value = value), caller.settles++),
            () => caller.settles++,
          );
        } else if (s.kind === 'abort') {
          callers[s.which % Math.max(1, callers.length)]?.controller.abort(new Error('left'));
        } else if (s.kind === 'wait') {
          await jest.advanceTimersByTimeAsync(s.ms);
        } else if (cache) {
          if (s.kind === 'prime') load.prime(s.key, s.key * 10);
          else if (s.kind === 'clear') load.clear(s.key);
          else load.clearAll();
        }
      }
      await jest.advanceTimersByTimeAsync(10_000);

      expect(problems).toEqual([]);
      expect(callers.map((c) => c.settles)).toEqual(callers.map(() => 1));
      for (const caller of callers) if (caller.value !== undefined) expect(caller.value).toBe(caller.key * 10);
      const stats = load.stats();
      expect(stats.resolved + stats.rejected).toBe(callers.length);
      expect(stats).toMatchObject({ queued: 0, running: 0 });
      expect(jest.getTimerCount()).toBe(0);
    }),
    { numRuns: 300 },
  );
}, 120_000);
