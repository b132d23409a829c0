// Replicas behind a real load balancer: Debian's HAProxy 2.6 in front of REPLICAS (3) replicas
// (child processes: bench/replica.ts, which is examples/haproxy/replica.ts over a simulated
// accelerator), under open-loop Poisson load from a generator in a process of its own. Goodput
// counts 200s answered within the deadline of when each request was due, so time in the
// balancer, in sockets and in the generator counts. Two setups, each offered the same arrivals:
//   recommended: examples/haproxy/config.ts (readiness = started and not shutting down, the
//     agent's weight from the forecast, no retry of 503s, the deadline from X-Request-Start);
//   baseline: what the README recommended before (a readiness check that fails while
//     predictedWaitMs is above a quarter of the deadline, retry-on ... 503).
// Points: 0.5x, 1.5x, 3x of the replicas' capacity; 0.8x with one replica SIGKILLed a third of
// the way in (goodput against what the survivors can serve); 0.5x with a rolling restart of
// every replica. Then the demo's real model (CPU), one replica, loaded directly and behind
// HAProxy with the balancer's queue as admission (maxconn REAL_MAXCONN, a queue timeout of a
// third of the deadline), at 0.5x and 1.5x of its HTTP capacity. Needs HAProxy:
// bash scripts/install-haproxy.sh.
//   npm run bench:replicas     SECONDS (8), DEADLINE_MS (450), SIM_A (40), SIM_B (4), MAXCONN (64),
//                              QUEUE_MS (the deadline), REAL_DEADLINE_MS (150), REAL_MAXCONN (64),
//                              REAL_QUEUE_MS (a third of REAL_DEADLINE_MS), REAL=0 skips the real model,
//                              POINTS (0.5x,1.5x,3x,kill,restart) runs only those (the last line needs them all)
import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, serverStates, startBalancer, type Balancer } from '../examples/haproxy/balancer.js';
import { haproxyConfig, type HaproxyOptions, type Replica } from '../examples/haproxy/config.js';
import { startReplica, type RunningReplica } from '../examples/haproxy/replicas.js';
import { overloadChart } from './chart.js';
import { MAX_BATCH, SIM_A, SIM_B } from './replica-shape.js';
import type { LoadOrder, LoadReport } from './replicas-load.js';
import { round, table } from './stats.js';

const SECONDS = Number(process.env.SECONDS ?? 8);
const DEADLINE_MS = Number(process.env.DEADLINE_MS ?? 450);
const REPLICAS = 3;
const MAXCONN = Number(process.env.MAXCONN ?? 64);
const REAL = process.env.REAL !== '0';
const REAL_DEADLINE_MS = Number(process.env.REAL_DEADLINE_MS ?? 150);
const REAL_MAXCONN = Number(process.env.REAL_MAXCONN ?? 64);
const QUEUE_MS = process.env.QUEUE_MS === undefined ? undefined : Number(process.env.QUEUE_MS);
/** HAProxy's queue timeout for the CPU-bound model: a third of its deadline (examples/haproxy/start.ts says why). */
const REAL_QUEUE_MS = Number(process.env.REAL_QUEUE_MS ?? REAL_DEADLINE_MS / 3);
const REAL_THREADS = process.env.REAL_THREADS === undefined ? undefined : Number(process.env.REAL_THREADS);
/** Items per second one replica serves at full batches. */
const PER_REPLICA = (MAX_BATCH * 1_000) / (SIM_A + SIM_B * MAX_BATCH);
const SEED = 26;

interface Setup {
  name: string;
  config: (options: HaproxyOptions) => string;
}

/** Replaces each `[from, to]` in `text`, and fails if one is missing (the recommended config changed). */
function edit(text: string, edits: [string, string][]): string {
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`the baseline's edit found no \`${from}\``);
    text = text.replace(from, to);
  }
  return text;
}

const SETUPS: Setup[] = [
  {
    name: 'recommended',
    config: (options) => haproxyConfig({ ...options, queueTimeoutMs: QUEUE_MS }),
  },
  {
    name: 'baseline',
    config: (options) =>
      edit(haproxyConfig(options), [
        ['retry-on conn-failure empty-response', 'retry-on conn-failure empty-response 503'],
        ['option httpchk GET /ready', 'option httpchk GET /ready-on-load'],
        [' agent-check agent-inter 250ms', ''],
      ]),
  },
];

/** HAProxy and its replicas, started afresh for each point. */
class Cluster {
  private constructor(
    readonly balancer: Balancer,
    readonly port: number,
    readonly addresses: Replica[],
    readonly running: RunningReplica[],
    private readonly env: Record<string, string>,
  ) {}

  static async start(
    config: (options: HaproxyOptions) => string,
    count: number,
    env: Record<string, string>,
    deadlineMs: number,
    maxconn: number,
  ): Promise<Cluster> {
    const ports = await freePorts(2 * count + 1);
    const addresses = Array.from({ length: count }, (_, i) => ({
      port: ports[2 * i + 1]!,
      agentPort: ports[2 * i + 2]!,
    }));
    const running = await Promise.all(addresses.map((address) => startReplica('bench/replica.ts', address, env)));
    const balancer = await startBalancer(
      (statsSocket) => config({ port: ports[0]!, replicas: addresses, deadlineMs, maxconn, statsSocket }),
      ports[0]!,
    );
    const cluster = new Cluster(balancer, ports[0]!, addresses, running, env);
    await cluster.allUp();
    return cluster;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/predict`;
  }

  async allUp(): Promise<void> {
    const states = async () => [...(await serverStates(this.balancer, 'replicas')).values()];
    while (!(await states()).every((state) => state.status === 'UP')) await sleep(50);
  }

  /** Times the servers went DOWN so far, all together. */
  async downs(): Promise<number> {
    return [...(await serverStates(this.balancer, 'replicas')).values()].reduce((sum, state) => sum + state.downs, 0);
  }

  kill(i: number): void {
    this.running[i]!.child.kill('SIGKILL');
  }

  /** A deploy of replica `i`: SIGTERM, wait for it to exit, start a new one, wait until HAProxy has it UP. */
  async restart(i: number): Promise<void> {
    this.running[i]!.child.kill('SIGTERM');
    await this.running[i]!.exited;
    this.running[i] = await startReplica('bench/replica.ts', this.addresses[i]!, this.env);
    await this.allUp();
  }

  /** The replicas' own latencies of their 200s (mean p50, worst p99), read and reset. */
  async serverLatency(): Promise<{ p50: number; p99: number }> {
    const figures = await Promise.all(
      this.addresses.map(async ({ port }) => {
        try {
          return (await (await fetch(`http://127.0.0.1:${port}/latency`)).json()) as { p50: number; p99: number };
        } catch {
          return { p50: NaN, p99: NaN }; // killed
        }
      }),
    );
    const alive = figures.filter((figure) => !Number.isNaN(figure.p50));
    return {
      p50: alive.reduce((sum, figure) => sum + figure.p50, 0) / Math.max(1, alive.length),
      p99: Math.max(...alive.map((figure) => figure.p99)),
    };
  }

  async stop(): Promise<void> {
    for (const replica of this.running) replica.child.kill('SIGKILL');
    await Promise.all(this.running.map((replica) => replica.exited));
    await this.balancer.stop();
  }
}

/** Runs the generator (its own process) with `order`; `during` runs alongside, from the first arrival. */
async function generate(order: LoadOrder, during: () => Promise<void> = async () => {}): Promise<LoadReport> {
  const child = fork(join(__dirname, 'replicas-load.ts'), [], { execArgv: ['--import', 'tsx'] });
  const report = new Promise<LoadReport>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the load generator exited with code ${code}`)));
  });
  await new Promise<void>((resolve) => child.once('spawn', resolve));
  child.send(order);
  const [result] = await Promise.all([report, during()]);
  return result;
}

interface Outcome {
  setup: string;
  point: string;
  offered: number;
  /** Good answers over what could have been answered: min(offered, capacity) in each phase. */
  ratio: number;
  good: number;
  late: number;
  shed: number;
  timedOut: number;
  lost: number;
  flaps: number;
  generatorCpu: number;
  serverP50: number;
  serverP99: number;
  /** Non-200 answers to requests due during a rolling restart. */
  restartErrors: number;
}

/** A phase of a point: from `fromMs` on, `capacity` requests/s could be answered. */
type Phase = { fromMs: number; capacity: number };

function outcome(
  setup: string,
  point: string,
  report: LoadReport,
  seconds: number,
  phases: Phase[],
  deadlineMs: number,
): Omit<Outcome, 'flaps' | 'serverP50' | 'serverP99' | 'restartErrors'> {
  const counts = { good: 0, late: 0, shed: 0, timedOut: 0, lost: 0 };
  const sentInPhase = phases.map(() => 0);
  report.status.forEach((status, i) => {
    let phase = phases.length - 1;
    while (phase > 0 && report.due[i]! < phases[phase]!.fromMs) phase--;
    sentInPhase[phase]!++;
    if (status === 200) counts[report.latency[i]! <= deadlineMs ? 'good' : 'late']++;
    else if (status === 503) counts.shed++;
    else if (status === 504) counts.timedOut++;
    else counts.lost++;
  });
  const possible = phases.reduce((sum, phase, i) => {
    const until = phases[i + 1]?.fromMs ?? seconds * 1_000;
    return sum + Math.min(sentInPhase[i]!, (phase.capacity * (until - phase.fromMs)) / 1_000);
  }, 0);
  return {
    setup,
    point,
    offered: report.status.length / seconds,
    ratio: counts.good / possible,
    ...counts,
    generatorCpu: report.generatorCpu,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SIM_ENV = { MODEL: 'sim', DEADLINE_MS: String(DEADLINE_MS), READY_MAX_WAIT_MS: String(DEADLINE_MS / 4) };

/** One point for one setup, on a fresh cluster warmed up at a third of capacity. */
async function simPoint(setup: Setup, point: string, load: number): Promise<Outcome> {
  const cluster = await Cluster.start(setup.config, REPLICAS, SIM_ENV, DEADLINE_MS, MAXCONN);
  try {
    const capacity = REPLICAS * PER_REPLICA;
    await generate({ url: cluster.url, rate: capacity / 3, seconds: 1, seed: SEED + 1 });
    await cluster.serverLatency();
    const downsBefore = await cluster.downs();
    let seconds = SECONDS;
    let phases: Phase[] = [{ fromMs: 0, capacity }];
    let during: () => Promise<void> = async () => {};
    let restartWindow: [number, number] | undefined;
    if (point === 'kill') {
      phases = [phases[0]!, { fromMs: (SECONDS * 1_000) / 3, capacity: (capacity * (REPLICAS - 1)) / REPLICAS }];
      during = async () => (await sleep(phases[1]!.fromMs), cluster.kill(0));
    } else if (point === 'restart') {
      seconds = SECONDS + 4 * REPLICAS; // a deploy of each replica takes about 3 s (DRAIN_MS, start, rise)
      during = async () => {
        const started = performance.now();
        await sleep(1_000);
        const from = performance.now() - started;
        for (let i = 0; i < REPLICAS; i++) await cluster.restart(i);
        restartWindow = [from, performance.now() - started];
      };
    }
    const report = await generate({ url: cluster.url, rate: load * capacity, seconds, seed: SEED }, during);
    const flaps = (await cluster.downs()) - downsBefore;
    const restartErrors =
      restartWindow === undefined
        ? 0
        : report.status.filter(
            (status, i) => status !== 200 && report.due[i]! >= restartWindow![0] && report.due[i]! <= restartWindow![1],
          ).length;
    return {
      ...outcome(setup.name, point, report, seconds, phases, DEADLINE_MS),
      flaps,
      restartErrors,
      ...prefixed(await cluster.serverLatency()),
    };
  } finally {
    await cluster.stop();
  }
}

const prefixed = ({ p50, p99 }: { p50: number; p99: number }) => ({ serverP50: p50, serverP99: p99 });

/** The real model's HTTP capacity: closed loop, 64 connections, straight to one replica. */
async function realCapacity(url: string): Promise<number> {
  const run = (duration: number) =>
    autocannon({
      url,
      method: 'POST',
      connections: 64,
      duration,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ features: [1, 2, 3, 4] }),
    });
  await run(1);
  return (await run(3)).requests.mean;
}

async function realPoints(): Promise<Outcome[]> {
  const env = { MODEL: 'real', DEADLINE_MS: String(REAL_DEADLINE_MS) };
  const config = (options: HaproxyOptions) =>
    haproxyConfig({ ...options, queueTimeoutMs: REAL_QUEUE_MS, threads: REAL_THREADS });
  const cluster = await Cluster.start(config, 1, env, REAL_DEADLINE_MS, REAL_MAXCONN);
  const outcomes: Outcome[] = [];
  try {
    const direct = `http://127.0.0.1:${cluster.addresses[0]!.port}/predict`;
    const capacity = await realCapacity(direct);
    console.log(
      `real model: HTTP capacity of one replica ${round(capacity, 0)} req/s (autocannon, 64 connections, 3 s)`,
    );
    for (const load of [0.5, 1.5]) {
      for (const [name, url] of [
        ['direct', direct],
        ['haproxy', cluster.url],
      ] as const) {
        await cluster.serverLatency();
        const report = await generate({ url, rate: load * capacity, seconds: SECONDS, seed: SEED });
        outcomes.push({
          ...outcome(`real ${name}`, `${load}x`, report, SECONDS, [{ fromMs: 0, capacity }], REAL_DEADLINE_MS),
          flaps: 0,
          restartErrors: 0,
          ...prefixed(await cluster.serverLatency()),
        });
        await sleep(500);
      }
    }
  } finally {
    await cluster.stop();
  }
  return outcomes;
}

async function main(): Promise<void> {
  console.log(
    `simulated accelerator: a batch of n waits ${SIM_A} + ${SIM_B}·n ms (a = ${SIM_A}, b = ${SIM_B}), maxBatchSize ${MAX_BATCH}: ` +
      `${round(PER_REPLICA, 1)} items/s per replica, ${round(REPLICAS * PER_REPLICA, 1)} for ${REPLICAS}; ` +
      `deadline ${DEADLINE_MS} ms from X-Request-Start; ${SECONDS} s per point; HAProxy maxconn ${MAXCONN} per replica`,
  );
  const points: [string, number][] = [
    ['0.5x', 0.5],
    ['1.5x', 1.5],
    ['3x', 3],
    ['kill', 0.8],
    ['restart', 0.5],
  ];
  const only = process.env.POINTS?.split(',');
  const outcomes: Outcome[] = [];
  for (const [point, load] of points.filter(([point]) => only === undefined || only.includes(point))) {
    for (const setup of SETUPS) {
      const result = await simPoint(setup, point, load);
      outcomes.push(result);
      console.log(row(result).join('  '));
    }
  }
  const real = REAL ? await realPoints() : [];
  const header = [
    'setup',
    'point',
    'offered/s',
    'ratio',
    'good',
    'late',
    '503',
    '504',
    'lost',
    'flaps',
    'restart non-200',
    'server p50',
    'server p99',
    'generator CPU',
  ];
  console.log(`\n${table(header, outcomes.map(row))}`);
  if (real.length > 0)
    console.log(
      `\nthe real model, one replica (deadline ${REAL_DEADLINE_MS} ms, HAProxy maxconn ${REAL_MAXCONN}, timeout queue ${REAL_QUEUE_MS} ms):\n${table(header, real.map(row))}`,
    );

  if (outcomes.length < 2 * points.length) return; // the last line needs every point
  writeChart(outcomes);
  const of = (setup: string, point: string) => outcomes.find((o) => o.setup === setup && o.point === point)!;
  const mine = outcomes.filter((o) => o.setup === 'recommended');
  const realRatio = (name: string) => real.find((o) => o.setup === `real ${name}` && o.point === '1.5x')?.ratio ?? NaN;
  console.log(
    `replicas: r0_5x=${round(of('recommended', '0.5x').ratio, 3)} r1_5x=${round(of('recommended', '1.5x').ratio, 3)} ` +
      `r3x=${round(of('recommended', '3x').ratio, 3)} kill=${round(of('recommended', 'kill').ratio, 3)} ` +
      `lost=${mine.reduce((sum, o) => sum + o.lost, 0)} restart_errors=${of('recommended', 'restart').restartErrors} ` +
      `shed_under=${of('recommended', '0.5x').shed} flaps=${of('recommended', '0.5x').flaps + of('recommended', '1.5x').flaps} ` +
      `real_1_5x=${round(realRatio('haproxy'), 3)} direct_1_5x=${round(realRatio('direct'), 3)}`,
  );
}

function row(o: Outcome): (string | number)[] {
  return [
    o.setup,
    o.point,
    round(o.offered, 0),
    round(o.ratio, 3),
    o.good,
    o.late,
    o.shed,
    o.timedOut,
    o.lost,
    o.flaps,
    o.point === 'restart' ? o.restartErrors : '',
    round(o.serverP50, 1),
    round(o.serverP99, 1),
    `${round(o.generatorCpu * 100, 0)}%`,
  ];
}

function writeChart(outcomes: Outcome[]): void {
  const byLoad = new Map<number, { contender: string; goodput: number }[]>();
  const capacity = REPLICAS * PER_REPLICA;
  for (const [point, load] of [
    ['0.5x', 0.5],
    ['1.5x', 1.5],
    ['3x', 3],
  ] as const) {
    byLoad.set(
      load,
      outcomes
        .filter((o) => o.point === point)
        .map((o) => ({ contender: o.setup, goodput: o.ratio * Math.min(o.offered, capacity) })),
    );
  }
  const folder = join(__dirname, 'out');
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'replicas-chart.svg'),
    overloadChart(
      byLoad,
      SETUPS.map((setup) => setup.name),
      `HAProxy + ${REPLICAS} replicas, a = ${SIM_A} ms, b = ${SIM_B} ms, deadline ${DEADLINE_MS} ms; capacity ${round(capacity, 0)}/s`,
    ),
  );
}

void main().then(
  () => process.exit(0),
  (error: unknown) => (console.error(error), process.exit(1)),
);
