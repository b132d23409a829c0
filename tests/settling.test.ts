import fc from 'fast-check';
import { batched } from '../src/index.js';
import { HOSTILE_STEPS } from './support/hostile.js';
import { track } from './support/recorder.js';

// contract §4: the fan-out is total. Whatever user code or a hostile value does at any step of
// settling a batch, every caller of that batch settles exactly once, the slot frees, and the
// batches after it run as usual. One batcher meets a random sequence of hostile steps.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const NO_HOOKS = { output: undefined, onBatch: undefined } as const;

test('every caller settles exactly once, whichever settling step throws, batch after batch', async () => {
  const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          step: fc.integer({ min: 0, max: HOSTILE_STEPS.length - 1 }),
          size: fc.integer({ min: 1, max: 4 }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      async (batches) => {
        let current = HOSTILE_STEPS[0]!;
        const predict = batched((items: number[]) => current.fn(items) as number[], { delay: 0, maxBatchSize: 4 });
        for (const { step, size } of batches) {
          current = HOSTILE_STEPS[step]!;
          predict.configure({ ...NO_HOOKS, ...current.options });
          const calls = Array.from({ length: size }, (_, i) => track(predict(i)));
          await jest.advanceTimersByTimeAsync(0);
          // Named by the step, so that a failure says which one.
          expect({ step: current.name, settles: calls.map((call) => call.settles) }).toEqual({
            step: current.name,
            settles: calls.map(() => 1),
          });
          expect(predict.stats()).toMatchObject({ running: 0, queued: 0 });
        }
        const { resolved, rejected, rejectedBy } = predict.stats();
        expect(resolved + rejected).toBe(batches.reduce((sum, b) => sum + b.size, 0));
        expect(Object.values(rejectedBy).reduce((sum, n) => sum + n, 0)).toBe(rejected);
        await predict.close();
      },
    ),
    { numRuns: 200 },
  );
  warnings.mockRestore();
});

test.each(HOSTILE_STEPS.map((step) => [step.name, step] as const))(
  '%s: both callers settle once',
  async (_name, step) => {
    const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const predict = batched((items: number[]) => step.fn(items) as number[], { delay: 0, ...step.options });
    const calls = [track(predict(1)), track(predict(2))];
    await jest.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => call.settles)).toEqual([1, 1]);
    expect(predict.stats()).toMatchObject({ running: 0, queued: 0 });
    warnings.mockRestore();
  },
);
