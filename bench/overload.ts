// Overload: goodput (calls answered within their deadline, per second) when the offered load
// goes past what the model can serve, for four contenders: fixed delay 5 ms, 'auto', and each
// with `shed: true`. Open loop, Poisson arrivals (every contender offered the same arrival
// times), at 0.5, 0.9, 1.5 and 3 times the model's measured capacity; every call's deadline is
// the SLO. Two models:
//   - a simulated accelerator: a batch of n waits a + b·n ms on a timer and uses no CPU, as a
//     GPU model looks to the Node process, so the policy is judged apart from this machine;
//     in process, no HTTP.
//   - the demo's real MLP (onnxruntime-node, CPU) behind the real Fastify server (a child
//     process), loaded over HTTP; a shed call is a 503, a deadline a 504.
// Then a priority mix on the simulated accelerator: 2x load, a tenth of the calls at priority 1.
// Last line: the simulated accelerator's 'auto' + shed figures and the priority mix's.
//   npm run bench:overload        SECONDS (3), LOADS (0.5,0.9,1.5,3), SIM_A (10), SIM_B (0.3),
//                                 SLO_MS (150), REAL_SLO_MS (150), REAL=0 to skip the real model
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { batched, OverloadedError, TimeoutError } from '../src/index.js';
import { measureOnServer, type ServerStats } from './bench-server.js';
import { overloadChart } from './chart.js';
import { forkServer } from './fork.js';
import { DEFAULT_SHAPE, itemsPerSecond, Mlp, randomRow } from './model.js';
import { arrivals, openLoop, seededRandom } from './open-loop.js';
import { CONTENDERS, MAX_BATCH_SIZE, REAL_SLO_MS } from './overload-server.js';
import { percentile, round, table } from './stats.js';

const SECONDS = Number(process.env.SECONDS ?? 3);
const LOADS = (process.env.LOADS ?? '0.5,0.9,1.5,3').split(',').map(Number);
const SIM_A = Number(process.env.SIM_A ?? 10);
const SIM_B = Number(process.env.SIM_B ?? 0.3);
const SLO_MS = Number(process.env.SLO_MS ?? 150);
const REAL = process.env.REAL !== '0';
const PRIORITY_LOAD = 2;
type Contender = (typeof CONTENDERS)[number];

/** What one contender did at one load. */
interface Outcome {
  contender: string;
  offered: number;
  /** Answers within the deadline, per second (from the first call to the last answer). */
  goodput: number;
  /** `goodput / min(offered, capacity)`. */
  ratio: number;
  p50: number;
  p99: number;
  answered: number;
  timedOut: number;
  /** Answered, but after the deadline as the client saw it (over HTTP: time in sockets and in the generator). */
  late: number;
  shed: number;
  other: number;
  /** Items the model ran per answer delivered. */
  ranPerAnswer: number;
  /** Median ms from a shed call to its rejection. */
  shedToldMs: number;
}

/** Tallies each call's outcome and how long it took. */
class Tally {
  readonly answered: number[] = [];
  readonly shed: number[] = [];
  timedOut = 0;
  late = 0;
  other = 0;
  lastAnswerAt = 0;

  /**
   * The figures, with goodput over `seconds` (from the first call to the last answer) and its
   * ratio to what could have been answered in that time: every call made, or capacity.
   */
  outcome(contender: string, offered: number, capacity: number, seconds: number, ran: number, calls: number): Outcome {
    const goodput = this.answered.length / seconds;
    return {
      contender,
      offered,
      goodput,
      ratio: this.answered.length / Math.min(calls, capacity * seconds),
      p50: percentile(this.answered, 50),
      p99: percentile(this.answered, 99),
      answered: this.answered.length,
      timedOut: this.timedOut,
      late: this.late,
      shed: this.shed.length,
      other: this.other,
      ranPerAnswer: ran / Math.max(1, this.answered.length),
      shedToldMs: percentile(this.shed, 50),
    };
  }
}

// ---- the simulated accelerator -------------------------------------------------------------

const simulatedModel = async (batch: number[]): Promise<number[]> => {
  await new Promise((resolve) => setTimeout(resolve, SIM_A + SIM_B * batch.length));
  return batch;
};

/** Items/s of the simulated model at full batches, back to back (its timers round up). */
async function simulatedCapacity(): Promise<number> {
  const batch = Array.from({ length: MAX_BATCH_SIZE }, (_, i) => i);
  const started = performance.now();
  let items = 0;
  while (performance.now() - started < 1_000) items += (await simulatedModel(batch)).length;
  return (items * 1_000) / (performance.now() - started);
}

async function runSimulated(contender: Contender, load: number, capacity: number, seed: number): Promise<Outcome> {
  const predict = batched(simulatedModel, {
    delay: contender.delay,
    shed: contender.shed,
    maxBatchSize: MAX_BATCH_SIZE,
    timeout: SLO_MS,
  });
  const ignore = async () => void (await predict(0).catch(() => undefined));
  await arrivals(0.3 * capacity, 0.5, seed + 1, ignore); // warm-up: the latency model and 'auto' learn
  const itemsBefore = predict.stats().items;
  const tally = new Tally();
  const call = async () => {
    const at = performance.now();
    try {
      await predict(0);
      tally.lastAnswerAt = performance.now();
      tally.answered.push(tally.lastAnswerAt - at);
    } catch (error) {
      if (error instanceof OverloadedError) tally.shed.push(performance.now() - at);
      else if (error instanceof TimeoutError) tally.timedOut++;
      else tally.other++;
    }
  };
  const start = performance.now();
  await arrivals(load * capacity, SECONDS, seed, call);
  // Answers per second over the time they took: the last comes up to a deadline after the window.
  const span = Math.max(SECONDS, (tally.lastAnswerAt - start) / 1_000);
  await predict.close();
  const calls = tally.answered.length + tally.shed.length + tally.timedOut + tally.late + tally.other;
  return tally.outcome(contender.name, load * capacity, capacity, span, predict.stats().items - itemsBefore, calls);
}

/**
 * The priority mix (issue 27): 'auto' + shed at PRIORITY_LOAD times capacity, a tenth of the
 * calls at priority 1 (chosen by a seeded draw), every call's deadline the SLO. The share of
 * each priority's calls answered within it.
 */
async function runPriorityMix(capacity: number, seed: number): Promise<{ high: number; low: number; calls: number[] }> {
  const predict = batched(simulatedModel, { delay: 'auto', shed: true, maxBatchSize: MAX_BATCH_SIZE, timeout: SLO_MS });
  await arrivals(0.3 * capacity, 0.5, seed + 1, async () => void (await predict(0).catch(() => undefined)));
  const random = seededRandom(seed + 2);
  const calls = [0, 0];
  const answered = [0, 0];
  await arrivals(PRIORITY_LOAD * capacity, SECONDS, seed, async () => {
    const priority = random() < 0.1 ? 1 : 0;
    calls[priority]!++;
    if (
      await predict(0, { priority }).then(
        () => true,
        () => false,
      )
    )
      answered[priority]!++;
  });
  await predict.close();
  return { high: answered[1]! / calls[1]!, low: answered[0]! / calls[0]!, calls };
}

// ---- the real model over HTTP --------------------------------------------------------------

async function fetchStats(port: number): Promise<ServerStats> {
  return (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as ServerStats;
}

async function runReal(port: number, contender: Contender, load: number, capacity: number, seed: number) {
  const body = JSON.stringify({ x: Array.from(randomRow(DEFAULT_SHAPE.inputSize)) });
  const url = `http://127.0.0.1:${port}/${contender.name}`;
  await openLoop(url, 0.3 * capacity, 0.5, body, seed + 1); // warm-up
  const before = (await fetchStats(port)).batchers[contender.name]!;
  const { result, server } = await measureOnServer(port, contender.name, () =>
    openLoop(url, load * capacity, SECONDS, body, seed),
  );
  const after = (await fetchStats(port)).batchers[contender.name]!;
  const tally = new Tally();
  for (const [status, latencies] of Object.entries(result.byStatus)) {
    if (status === '200') {
      // Good only if the client had its answer within the deadline: over HTTP a request also
      // waits in sockets and in the generator before the batcher sees it.
      for (const ms of latencies) {
        if (ms <= REAL_SLO_MS) tally.answered.push(ms);
        else tally.late++;
      }
    } else if (status === '503') tally.shed.push(...latencies);
    else if (status === '504') tally.timedOut += latencies.length;
    else tally.other += latencies.length;
  }
  tally.other += result.sent - Object.values(result.byStatus).reduce((sum, l) => sum + l.length, 0);
  // Over the time from the first request to the last answer, as openLoop counts its rate.
  const span = result.completed / Math.max(result.rps, 1e-9);
  const outcome = tally.outcome(
    contender.name,
    load * capacity,
    capacity,
    span,
    after.items - before.items,
    result.sent,
  );
  return { ...outcome, generatorCpu: server.generatorCpu };
}

/** What the server answers at most: req/s of a closed loop at 64 clients on /auto, for 2 s. */
async function serverCapacity(port: number): Promise<number> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/auto`,
    connections: 64,
    duration: 2,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ x: Array.from(randomRow(DEFAULT_SHAPE.inputSize)) }),
  });
  return result.requests.average;
}

// ---- reporting -----------------------------------------------------------------------------

function printLoad(load: number, outcomes: (Outcome & { generatorCpu?: number })[]): void {
  console.log(`\nload ${load}x (${Math.round(outcomes[0]!.offered)} calls/s offered, ${SECONDS} s)`);
  const header = [
    'contender',
    'goodput',
    'ratio',
    'p50',
    'p99',
    'answered',
    'late',
    'timed out',
    'shed',
    'other',
    'ran/answer',
    'shed told (ms)',
  ];
  const cpu = outcomes[0]!.generatorCpu !== undefined;
  const rows = outcomes.map((o) => [
    o.contender,
    Math.round(o.goodput),
    round(o.ratio, 2),
    round(o.p50, 1),
    round(o.p99, 1),
    o.answered,
    o.late,
    o.timedOut,
    o.shed,
    o.other,
    round(o.ranPerAnswer, 2),
    Number.isNaN(o.shedToldMs) ? '-' : round(o.shedToldMs, 2),
    ...(cpu ? [`${Math.round((o.generatorCpu ?? 0) * 100)}%`] : []),
  ]);
  console.log(table(cpu ? [...header, 'generator CPU'] : header, rows));
}

/**
 * Runs every contender at every load and prints each load's table. The contenders run in an
 * order rotated each load, so that none always meets the model (or the server) first; `seed`
 * (the load's index) picks the arrival times, the same for every contender of a load.
 */
async function everyLoad<T extends Outcome>(
  run: (contender: Contender, load: number, seed: number) => Promise<T>,
): Promise<Map<number, T[]>> {
  const byLoad = new Map<number, T[]>();
  for (const [i, load] of LOADS.entries()) {
    const order = [...CONTENDERS.slice(i % CONTENDERS.length), ...CONTENDERS.slice(0, i % CONTENDERS.length)];
    const outcomes: T[] = [];
    for (const contender of order) outcomes.push(await run(contender, load, i));
    const rank = (o: Outcome) => CONTENDERS.findIndex((c) => c.name === o.contender);
    outcomes.sort((a, b) => rank(a) - rank(b));
    byLoad.set(load, outcomes);
    printLoad(load, outcomes);
  }
  return byLoad;
}

async function main(): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}; node ${process.version}`;
  const charts: string[] = [];

  const simCapacity = await simulatedCapacity();
  console.log(
    `simulated accelerator: a batch of n waits ${SIM_A} + ${SIM_B}·n ms on a timer, no CPU; maxBatchSize ${MAX_BATCH_SIZE}; ` +
      `capacity ${Math.round(simCapacity)} items/s (measured, full batches back to back); deadline ${SLO_MS} ms; ${machine}`,
  );
  const sim = await everyLoad((contender, load, seed) => runSimulated(contender, load, simCapacity, 1_000 + seed));
  charts.push(
    overloadChart(
      sim,
      CONTENDERS.map((c) => c.name),
      `simulated accelerator (${SIM_A} + ${SIM_B}·n ms), deadline ${SLO_MS} ms`,
    ),
  );
  const mix = await runPriorityMix(simCapacity, 3_000);
  console.log(
    `\npriority mix: auto-shed at ${PRIORITY_LOAD}x, ${mix.calls[1]} calls at priority 1 and ${mix.calls[0]} at 0: ` +
      `answered in time ${round(mix.high * 100, 1)}% of priority 1, ${round(mix.low * 100, 1)}% of priority 0`,
  );

  if (REAL) {
    const mlp = await Mlp.load();
    const modelAlone = await itemsPerSecond(mlp, MAX_BATCH_SIZE, 2);
    await mlp.release();
    const { child, port } = await forkServer(join(__dirname, 'overload-server.ts'));
    try {
      // On this machine the server's capacity is not the model's: HTTP parsing and the load
      // generator share the two cores with it. Loads are multiples of what the server answers.
      const realCapacity = await serverCapacity(port);
      const { inputSize, hiddenSize, hiddenLayers, outputSize } = DEFAULT_SHAPE;
      console.log(
        `\nreal model: MLP ${inputSize} → ${hiddenLayers} × ${hiddenSize} → ${outputSize} (onnxruntime-node, CPU, 1 thread) ` +
          `behind Fastify over HTTP; capacity ${Math.round(realCapacity)} req/s (closed loop, 64 clients, /auto; ` +
          `the model alone: ${Math.round(modelAlone)} items/s at batch ${MAX_BATCH_SIZE}); deadline ${REAL_SLO_MS} ms; ${machine}`,
      );
      const real = await everyLoad((contender, load, seed) =>
        runReal(port, contender, load, realCapacity, 2_000 + seed),
      );
      charts.push(
        overloadChart(
          real,
          CONTENDERS.map((c) => c.name),
          `real MLP over HTTP, deadline ${REAL_SLO_MS} ms`,
        ),
      );
    } finally {
      child.disconnect();
    }
  }
  const out = join(__dirname, 'out');
  mkdirSync(out, { recursive: true });
  charts.forEach((svg, i) => writeFileSync(join(out, `overload-chart${i === 0 ? '' : '-real'}.svg`), svg));

  const pick = (load: number, name: string) => sim.get(load)?.find((o) => o.contender === name);
  const shedAuto = (load: number) => pick(load, 'auto-shed');
  const under = LOADS.filter((load) => load < 1);
  const over = (load: number) => shedAuto(load)?.ratio ?? NaN;
  const baseline3x = Math.max(...['fixed-5', 'auto'].map((name) => pick(3, name)?.ratio ?? NaN));
  console.log(
    `\noverload: goodput_1_5x=${round(over(1.5), 2)} goodput_3x=${round(over(3), 2)} ` +
      `ran_per_answer_max=${round(Math.max(...LOADS.map((load) => shedAuto(load)?.ranPerAnswer ?? NaN)), 2)} ` +
      `shed_under_capacity=${under.reduce((sum, load) => sum + (shedAuto(load)?.shed ?? 0), 0)} ` +
      `goodput_under_min=${round(Math.min(...under.map((load) => shedAuto(load)?.ratio ?? NaN)), 2)} ` +
      `baseline_goodput_3x=${round(baseline3x, 2)} high_priority_answered=${round(mix.high, 3)}`,
  );
}

void main();
