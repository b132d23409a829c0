import fc from 'fast-check';
import { LatencyModel } from '../src/latency-model.js';

// contract §10, the latency model, on recorded samples: a batch's run time as a line in its size.

function modelOf(samples: [work: number, runMs: number][]): LatencyModel {
  const model = new LatencyModel();
  for (const [work, runMs] of samples) model.record(work, runMs);
  return model;
}

test('predicts nothing until it has seen three batches', () => {
  const model = modelOf([
    [1, 10],
    [32, 20],
  ]);
  expect(model.ready).toBe(false);
  expect(model.predict(8)).toBeUndefined();
  expect(model.stats()).toBeUndefined();
  model.record(8, 12);
  expect(model.ready).toBe(true);
  expect(model.predict(8)).toEqual(expect.any(Number));
});

test("while it has seen one size only, it predicts that size's run time for every size", () => {
  const model = modelOf([
    [4, 12],
    [4, 11],
    [4, 13],
  ]);
  expect(model.predict(4)).toBe(12);
  expect(model.predict(1)).toBe(12);
  expect(model.predict(32)).toBe(12);
  expect(model.stats()).toEqual({ baseMs: 12, perItemMs: 0, samples: 3 });
});

test('recovers a + b·n from clean samples', () => {
  // A simulated accelerator: 10 ms + 0.3 ms per item, as it ran in the overload benchmark.
  const model = modelOf([1, 4, 8, 16, 32, 32, 24, 3].map((n) => [n, 10 + 0.3 * n]));
  const { baseMs, perItemMs } = model.stats()!;
  expect(baseMs).toBeCloseTo(10, 9);
  expect(perItemMs).toBeCloseTo(0.3, 9);
  expect(model.predict(20)).toBeCloseTo(16, 9);
});

test('one slow batch (a garbage collection, a cold start) barely moves the line', () => {
  const clean: [number, number][] = [1, 4, 8, 16, 32, 32, 24, 3, 12].map((n) => [n, 10 + 0.3 * n]);
  const model = modelOf([...clean, [32, 250]]);
  expect(model.predict(32)).toBeCloseTo(19.6, 0);
  expect(model.predict(1)).toBeCloseTo(10.3, 0);
  // Least squares over the same samples would predict ~40 ms for a batch of 32.
});

test('one slow batch among the first three does not make it predict the slow time', () => {
  const model = modelOf([
    [8, 12],
    [8, 300],
    [8, 12],
  ]);
  expect(model.predict(8)).toBe(12);
});

test('noisy samples: the fit is close to the line they scatter around', () => {
  // Deterministic scatter of +-1 ms around 5 + 0.5·n.
  const samples: [number, number][] = Array.from({ length: 32 }, (_, i) => {
    const n = 1 + ((i * 7) % 32);
    return [n, 5 + 0.5 * n + (i % 3) - 1];
  });
  const { baseMs, perItemMs } = modelOf(samples).stats()!;
  expect(baseMs).toBeGreaterThan(4);
  expect(baseMs).toBeLessThan(6);
  expect(perItemMs).toBeGreaterThan(0.45);
  expect(perItemMs).toBeLessThan(0.55);
});

test('follows a change of model: the window forgets the old batches', () => {
  const model = modelOf([1, 8, 16, 32].map((n) => [n, 10 + 0.3 * n]));
  expect(model.predict(32)).toBeCloseTo(19.6, 6);
  for (let i = 0; i < 32; i++) model.record(1 + (i % 32), 2 + 0.1 * (1 + (i % 32)));
  expect(model.predict(32)).toBeCloseTo(5.2, 6);
  expect(model.stats()!.samples).toBe(36);
});

test.each([
  [30, 0.1, 3],
  [30, 0.1, 1 / 3],
  [10, 0.3, 3],
  [10, 0.3, 1 / 3],
  [1, 1, 3],
  [1, 1, 1 / 3],
])(
  'a model of %p + %p·n ms whose speed changes %p times is followed within 20%% at the 17th batch, not before',
  (a, b, factor) => {
    let seed = 1;
    const size = () => 1 + ((seed = (seed * 16807) % 2147483647) % 32); // seeded sizes from 1 to 32
    const model = new LatencyModel();
    for (let i = 0; i < 64; i++) {
      const n = size();
      model.record(n, a + b * n);
    }
    const within20 = () => [1, 8, 32].every((w) => Math.abs(model.predict(w)! / (factor * (a + b * w)) - 1) <= 0.2);
    let batches = 0;
    while (!within20()) {
      const n = size();
      model.record(n, factor * (a + b * n));
      batches++;
    }
    // Medians over a window of 32: a lasting change shows once it is most of the window (docs/guide.md).
    expect(batches).toBe(17);
  },
);

test('a falling line is noise: the slope is never below 0', () => {
  const model = modelOf([
    [1, 20],
    [16, 15],
    [32, 10],
  ]);
  expect(model.stats()!.perItemMs).toBe(0);
  expect(model.predict(1)).toBe(15);
});

test('its line is the Theil–Sen fit of the last 32 batches, whatever the samples (against a fit by sorting)', () => {
  // The fit takes its medians by selection, not by sorting: compare it with the textbook way, on
  // samples with repeated sizes and run times, odd and even counts of slopes, before and after
  // the window wraps.
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const theilSen = (samples: [number, number][]) => {
    const slopes: number[] = [];
    for (let i = 0; i < samples.length; i++)
      for (let j = i + 1; j < samples.length; j++) {
        const dx = samples[j]![0] - samples[i]![0];
        if (dx !== 0) slopes.push((samples[j]![1] - samples[i]![1]) / dx);
      }
    const slope = slopes.length === 0 ? 0 : Math.max(0, median(slopes));
    return { baseMs: Math.max(0, median(samples.map(([w, ms]) => ms - slope * w))), perItemMs: slope };
  };
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 40 })), {
        minLength: 3,
        maxLength: 80,
      }),
      (raw) => {
        const samples = raw.map(([work, tenths]): [number, number] => [work, tenths / 10]);
        const model = modelOf(samples);
        const expected = theilSen(samples.slice(-32));
        const { baseMs, perItemMs } = model.stats()!;
        expect(perItemMs).toBeCloseTo(expected.perItemMs, 9);
        expect(baseMs).toBeCloseTo(expected.baseMs, 9);
      },
    ),
    { numRuns: 500 },
  );
});
