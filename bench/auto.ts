// 'auto' against fixed delays on a simulated accelerator (a batch of n waits a + b·n ms on a
// timer and uses no CPU), in process, open-loop Poisson arrivals (every contender offered the
// same arrival times at a point). Two models (a = 30, b = 0.1: a large fixed cost per batch;
// a = 1, b = 1: almost none), concurrency 1 and 2, at 0.2x, 0.5x and 0.9x of capacity. Per
// point: answered per second of each contender (the median over ROUNDS rounds, each round its
// own arrival times, the same for every contender) and its p50 and p99 latency (from the call to
// its answer) over the answers of all rounds; 'auto' is compared with the best fixed delay there
// (the lowest p99 among the fixed delays that serve at least 99% of the best fixed throughput).
// A second end-of-turn contender, identical to fixed 0, shows the noise: how far apart two runs
// of one policy read. Then two partitions with shed and a
// deadline: a heavy key at 0.85x and a light key at 0.05x; the share of the light key's calls
// answered within the deadline, 'auto' beside delay 0 (the last line reads it at a = 1, b = 1).
//   npm run bench:auto     SECONDS (2), ROUNDS (6), SLO_MS (150), CONCURRENCY (1,2), LOADS (0.2,0.5,0.9),
//                          MODELS (30+0.1,1+1), PARTITIONS (1; 0 leaves out the two partitions)
import { batched, type BatchedOptions } from '../src/index.js';
import { arrivals, seededRandom, shuffled } from './open-loop.js';
import { median, percentile, round, table } from './stats.js';

const SECONDS = Number(process.env.SECONDS ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const SLO_MS = Number(process.env.SLO_MS ?? 150);
const MAX_BATCH = 32;
const LOADS = (process.env.LOADS ?? '0.2,0.5,0.9').split(',').map(Number);
/** `a+b` pairs: a batch of n waits a + b·n ms. */
const MODELS = (process.env.MODELS ?? '30+0.1,1+1').split(',').map((model) => {
  const [a, b] = model.split('+').map(Number);
  return { a: a!, b: b! };
});
const FIXED = [0, 1, 2, 5, 10, 20];
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,2').split(',').map(Number);

const simulated =
  ({ a, b }: { a: number; b: number }) =>
  async (batch: string[]): Promise<string[]> => {
    await new Promise((resolve) => setTimeout(resolve, a + b * batch.length));
    return batch;
  };

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  meanBatch: number;
}

interface Named extends Figures {
  contender: string;
}

/** One run of a contender: its figures, and the latencies its p50 and p99 are taken from. */
interface Sample {
  rps: number;
  meanBatch: number;
  latencies: number[];
}

/** One contender at one point: answered per second over the run, and latencies of the answers. */
async function run(
  options: BatchedOptions<string, string>,
  model: { a: number; b: number },
  rate: number,
  seed: number,
): Promise<Sample> {
  const predict = batched(simulated(model), options);
  await arrivals(rate / 2, 0.5, seed + 1, async () => void (await predict('warm').catch(() => undefined)));
  const before = predict.stats();
  const latencies: number[] = [];
  const start = performance.now();
  let last = start;
  await arrivals(rate, SECONDS, seed, async () => {
    const at = performance.now();
    await predict('x');
    last = performance.now();
    latencies.push(last - at);
  });
  const after = predict.stats();
  await predict.close();
  return {
    rps: (latencies.length * 1_000) / Math.max(SECONDS * 1_000, last - start),
    latencies,
    meanBatch: (after.items - before.items) / Math.max(1, after.batches - before.batches),
  };
}

/** The fixed delay to beat: the lowest p99 of those within 1% of the best fixed throughput. */
function bestFixed(fixed: Named[]): Named {
  const top = Math.max(...fixed.map((f) => f.rps));
  return fixed.filter((f) => f.rps >= 0.99 * top).sort((x, y) => x.p99 - y.p99)[0]!;
}

/** The second end-of-turn contender, which measures the noise. */
const AGAIN = 'fixed 0 again';

/** A contender's figures over the rounds: the median req/s and mean batch, the p50 and p99 of every answer. */
function figures(name: string, samples: Map<string, Sample[]>): Named {
  const runs = samples.get(name)!;
  const latencies = runs.flatMap((run) => run.latencies);
  return {
    contender: name,
    rps: median(runs.map((run) => run.rps)),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    meanBatch: median(runs.map((run) => run.meanBatch)),
  };
}

/** Heavy key at 0.85x, light key at 0.05x, one batcher with partitions, shed and a deadline. */
async function lightKey(
  model: { a: number; b: number },
  capacity: number,
  seed: number,
  delay: number | 'auto',
): Promise<number> {
  const predict = batched(simulated(model), {
    delay,
    shed: true,
    timeout: SLO_MS,
    maxBatchSize: MAX_BATCH,
    partitionBy: (item: string) => item,
  });
  await arrivals(capacity / 3, 0.5, seed + 1, async () => void (await predict('heavy').catch(() => undefined)));
  let light = 0;
  let answered = 0;
  const heavy = arrivals(
    0.85 * capacity,
    SECONDS,
    seed,
    async () => void (await predict('heavy').catch(() => undefined)),
  );
  const lightCalls = arrivals(0.05 * capacity, SECONDS, seed + 7, async () => {
    light++;
    if (
      await predict('light').then(
        () => true,
        () => false,
      )
    )
      answered++;
  });
  await Promise.all([heavy, lightCalls]);
  await predict.close();
  return answered / light;
}

async function main(): Promise<void> {
  console.log(
    `simulated accelerator, in process, maxBatchSize ${MAX_BATCH}, ${SECONDS} s per contender and point, ${ROUNDS} rounds (req/s: median; p50, p99: of all rounds' answers); ` +
      `'auto' against fixed delays ${FIXED.join(', ')} ms`,
  );
  let rpsMin = Infinity;
  let p99Max = 0;
  /** The largest gap between two runs of one policy (fixed 0 and fixed 0 again), as a ratio ≥ 1. */
  let noiseMax = 1;
  let seed = 0;
  for (const model of MODELS) {
    for (const concurrency of CONCURRENCY) {
      const capacity = (concurrency * MAX_BATCH * 1_000) / (model.a + model.b * MAX_BATCH);
      for (const load of LOADS) {
        seed++;
        const rate = load * capacity;
        const common = { maxBatchSize: MAX_BATCH, concurrency };
        // Each contender runs ROUNDS times, each round its own arrival times: the lowest of six
        // single-run p99s is a biased bar (the fixed delays spread by 8% at one point). Its p99 is
        // taken over the answers of all rounds, not as the median of each round's: at a = 1, b = 1
        // a round's p99 falls on either side of a timer's millisecond, and two runs of delay 0
        // read medians 9% apart where their p99s over all answers were 1% apart.
        const contenders: [string, BatchedOptions<string, string>][] = [
          ...FIXED.map((delay): [string, BatchedOptions<string, string>] => [`fixed ${delay}`, { ...common, delay }]),
          [AGAIN, { ...common, delay: 0 }],
          ['auto', { ...common, delay: 'auto' }],
        ];
        const samples = new Map<string, Sample[]>();
        // A new order each round: a contender measured always last would meet whatever the
        // process has built up by then (its heap, its timers' drift) every time.
        const order = seededRandom(seed);
        for (let r = 0; r < ROUNDS; r++) {
          for (const [name, options] of shuffled(contenders, order)) {
            const sample = await run(options, model, rate, seed * 100 + r);
            samples.set(name, [...(samples.get(name) ?? []), sample]);
          }
        }
        const fixed = FIXED.map((delay) => figures(`fixed ${delay}`, samples));
        const again = figures(AGAIN, samples);
        const auto = figures('auto', samples);
        const best = bestFixed(fixed);
        rpsMin = Math.min(rpsMin, auto.rps / best.rps);
        p99Max = Math.max(p99Max, auto.p99 / best.p99);
        const noise = again.p99 / fixed[0]!.p99;
        noiseMax = Math.max(noiseMax, noise, 1 / noise);
        console.log(
          `\na = ${model.a}, b = ${model.b}, concurrency ${concurrency}, ${load}x (${Math.round(rate)} calls/s of ${Math.round(capacity)}): ` +
            `auto/best fixed (${best.contender}): req/s ${round(auto.rps / best.rps, 3)}, p99 ${round(auto.p99 / best.p99, 3)}; ` +
            `noise: p99 of fixed 0 again / fixed 0 ${round(noise, 3)}`,
        );
        console.log(
          table(
            ['contender', 'req/s', 'p50 ms', 'p99 ms', 'mean batch'],
            [...fixed, again, auto].map((f) => [
              f.contender,
              round(f.rps, 1),
              round(f.p50, 1),
              round(f.p99, 1),
              round(f.meanBatch, 1),
            ]),
          ),
        );
      }
    }
  }
  // The light key's batches cannot share the heavy key's: each pays the fixed cost a. At a = 30
  // ms its batches of one or two calls take as long as a full batch, and the two keys together
  // ask more than the model serves (delay 0 loses the same share): the goal is read at a = 1.
  const shares = new Map<number, number>();
  for (const model of process.env.PARTITIONS === '0' ? [] : MODELS) {
    const capacity = (MAX_BATCH * 1_000) / (model.a + model.b * MAX_BATCH);
    const auto = await lightKey(model, capacity, 100 + model.a, 'auto');
    const endOfTurn = await lightKey(model, capacity, 100 + model.a, 0);
    shares.set(model.a, auto);
    console.log(
      `\ntwo partitions, a = ${model.a}, b = ${model.b}: heavy key 0.85x, light key 0.05x, shed, deadline ${SLO_MS} ms: ` +
        `light key answered in time: auto ${round(auto * 100, 1)}%, delay 0 ${round(endOfTurn * 100, 1)}%`,
    );
  }
  console.log(
    `\nnoise: two runs of delay 0 read p99s up to ${round(noiseMax, 3)} times apart at one point; 'auto''s p99 ratios are read against that`,
  );
  console.log(
    `auto: rps_min=${round(rpsMin, 3)} p99_max=${round(p99Max, 3)} light_key_answered=${round(shares.get(1) ?? NaN, 3)}`,
  );
}

void main();
