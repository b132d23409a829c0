import fc from 'fast-check';
import { batched, END, type StreamContext } from '../src/index.js';
import { reader } from './support/stepper.js';

// contract §12, for random schedules of calls with their own lengths, steps, joins, breaks,
// aborts, deadlines and shedding: every stream ends exactly once, and is counted once; no chunk goes to another caller, and
// each caller's chunks come in order; every generator is closed (its finally ran); nothing is
// left queued, running or on a timer.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

type Step =
  | { kind: 'call'; length: number; leave: 'read' | 'break' | 'abort' | 'deadline'; after: number; timeout: number }
  | { kind: 'abort'; which: number }
  | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      length: fc.integer({ min: 0, max: 6 }),
      leave: fc.constantFrom('read' as const, 'break' as const, 'abort' as const, 'deadline' as const),
      after: fc.integer({ min: 1, max: 4 }),
      timeout: fc.integer({ min: 2, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), which: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 12 }) }) },
);

const setup = fc.record({
  join: fc.boolean(),
  shed: fc.boolean(),
  delay: fc.oneof(fc.constantFrom<number | 'auto'>(0, 'auto'), fc.integer({ min: 1, max: 8 })),
  maxBatchSize: fc.integer({ min: 1, max: 4 }),
  concurrency: fc.integer({ min: 1, max: 2 }),
  steps: fc.array(step, { minLength: 1, maxLength: 60 }),
});

test('every stream ends once, with its own chunks in order, and every generator is closed', async () => {
  await fc.assert(
    fc.asyncProperty(setup, async ({ join, shed, delay, maxBatchSize, concurrency, steps }) => {
      const generators = { started: 0, finished: 0 };
      const problems: string[] = [];
      const generate = batched(
        async function* (items: { id: number; length: number }[], { signals }: StreamContext) {
          generators.started++;
          const produced: number[] = [];
          try {
            for (;;) {
              await new Promise((resolve) => setTimeout(resolve, 3));
              if (signals.length !== items.length) problems.push('signals and batch differ in length');
              yield items.map((item, i) => {
                produced[i] ??= 0;
                if (signals[i]!.aborted || produced[i] >= item.length) return END;
                return `${item.id}#${produced[i]++}`;
              });
            }
          } finally {
            generators.finished++;
          }
        },
        { delay, maxBatchSize, concurrency, join, shed },
      );
      const calls: {
        id: number;
        length: number;
        leave: string;
        after: number;
        state: ReturnType<typeof reader<string>>;
        controller: AbortController;
      }[] = [];
      // With shed, three batches first, so that the latency model can predict (contract §10).
      const warmUp: Step[] = [];
      for (let i = 0; shed && i < 3; i++)
        warmUp.push({ kind: 'call', length: 1, leave: 'read', after: 1, timeout: 1 }, { kind: 'wait', ms: 12 });
      for (const s of [...warmUp, ...steps]) {
        if (s.kind === 'call') {
          const id = calls.length;
          const controller = new AbortController();
          const options =
            s.leave === 'abort' ? { signal: controller.signal } : s.leave === 'deadline' ? { timeout: s.timeout } : {};
          const stream = generate({ id, length: s.length }, options);
          const state = reader(stream, s.leave === 'break' ? s.after : Infinity);
          calls.push({ id, length: s.length, leave: s.leave, after: s.after, state, controller });
        } else if (s.kind === 'abort') {
          calls[s.which % Math.max(1, calls.length)]?.controller.abort(new Error('left'));
        } else {
          await jest.advanceTimersByTimeAsync(s.ms);
        }
      }
      await jest.advanceTimersByTimeAsync(10_000);
      await generate.drain();

      expect(problems).toEqual([]);
      for (const call of calls) {
        expect(call.state.ends).toBe(1);
        const expected = Array.from({ length: call.state.chunks.length }, (_, n) => `${call.id}#${n}`);
        expect(call.state.chunks).toEqual(expected); // its own, in order, none skipped
        if (call.leave === 'read' && !call.controller.signal.aborted) {
          expect(call.state.chunks).toHaveLength(call.length);
          expect(call.state.error).toBeUndefined();
        }
      }
      expect(generators.finished).toBe(generators.started);
      const stats = generate.stats();
      expect(stats).toMatchObject({ queued: 0, running: 0 });
      expect(stats.resolved + stats.rejected).toBe(calls.length); // each call counted once
      expect(jest.getTimerCount()).toBe(0);
    }),
    { numRuns: 200 },
  );
}, 120_000);
