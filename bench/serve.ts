// A real model behind a real HTTP server, served six ways, under closed and open loads:
//   /unbatched                  one model run per request
//   /fixed-1 … /fixed-10        @Batched({ delay: 1 | 2 | 5 | 10, maxBatchSize: 32 })
//   /auto                       @Batched({ delay: 'auto', maxBatchSize: 32 })
// Closed loop: 1, 8, 64 and 256 clients (autocannon), each sending its next request when the
// last is answered. Open loop: Poisson arrivals at 10%, 50% and 90% of the measured ceiling
// (the best req/s of any route in the closed loops), whether or not earlier requests were
// answered; every route of a round is offered the same arrival times. Routes alternate within
// each round, in an order rotated every round, so no route always runs first or last; each
// point starts once the server has finished the last one's work. Figures are medians over
// rounds, and each table shows the spread of req/s over rounds: the noise against which one
// route's lead is judged. Latency is measured on the server (its own hooks) beside the
// client's figure; the verdict uses the server's, and the generator's CPU share is shown.
//   npm run bench:serve           5 rounds of 3 s per point (ROUNDS, SECONDS, CONCURRENCY, OPEN_LOAD)
//   npm run demo                  the short version: 1 round per point (1 s closed, 0.75 s open), under a minute
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { serveChart } from './chart.js';
import { forkServer } from './fork.js';
import { DEFAULT_SHAPE, itemsPerSecond, Mlp, randomRow } from './model.js';
import { openLoop } from './open-loop.js';
import { measureOnServer, type ServerSide } from './bench-server.js';
import { MAX_BATCH_SIZE, ROUTES } from './server.js';
import { median, medianFields, percentile, round, table } from './stats.js';

const demo = process.argv.includes('--demo');
const ROUNDS = Number(process.env.ROUNDS ?? (demo ? 1 : 5));
const SECONDS = Number(process.env.SECONDS ?? (demo ? 0.75 : 3));
/** How long each route is warmed up, and the model alone is timed at each batch size. */
const WARM_UP_SECONDS = demo ? 0.3 : SECONDS;
/** The warm-up's request rate: below what any route, unbatched included, can serve. */
const WARM_UP_RPS = 100;
/** What one point lasts, as printed: a closed-loop point lasts at least 1 s (see measure). */
const pointSeconds = SECONDS >= 1 ? `${SECONDS} s` : `1 s closed, ${SECONDS} s open`;
const CLIENTS = (process.env.CONCURRENCY ?? '1,8,64,256').split(',').map(Number);
const OPEN_SHARES = (process.env.OPEN_LOAD ?? '0.1,0.5,0.9').split(',').map(Number);
type Route = (typeof ROUTES)[number];
const FIXED: Route[] = ROUTES.filter((route) => route.startsWith('fixed-'));

type Load = { kind: 'closed'; clients: number; label: string } | { kind: 'open'; share: number; label: string };

/** How a load is run: for how long, against which ceiling (open loads), with which arrival times. */
interface Run {
  seconds: number;
  ceilingRps: number;
  /** Picks the open loop's arrival times: every route of a round gets the same ones. */
  seed: number;
}

interface Point extends ServerSide {
  rps: number;
  clientP50: number;
  clientP99: number;
  errors: number;
}

/** The model alone, in process: items/s at batch 1 and at maxBatchSize. */
async function ceiling(): Promise<{ batch1: number; batchMax: number }> {
  const mlp = await Mlp.load();
  const result = {
    batch1: await itemsPerSecond(mlp, 1, WARM_UP_SECONDS),
    batchMax: await itemsPerSecond(mlp, MAX_BATCH_SIZE, WARM_UP_SECONDS),
  };
  await mlp.release();
  return result;
}

/** `items` starting at index `by` (mod length): each round runs the routes in another order. */
function rotated<T>(items: readonly T[], by: number): T[] {
  const start = by % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

async function measure(port: number, route: Route, load: Load, body: string, run: Run): Promise<Point> {
  const url = `http://127.0.0.1:${port}/${route}`;
  const { result: client, server } = await measureOnServer(port, route, async () => {
    if (load.kind === 'closed') {
      const result = await autocannon({
        url,
        connections: load.clients,
        duration: Math.max(1, run.seconds), // a shorter autocannon run still takes about 1 s
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return {
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
      };
    }
    const result = await openLoop(url, load.share * run.ceilingRps, run.seconds, body, run.seed);
    return {
      rps: result.rps,
      p50: percentile(result.latencies, 50),
      p99: percentile(result.latencies, 99),
      errors: result.errors,
    };
  });
  return { rps: client.rps, clientP50: client.p50, clientP99: client.p99, errors: client.errors, ...server };
}

async function main(): Promise<void> {
  const { inputSize, hiddenSize, hiddenLayers, outputSize } = DEFAULT_SHAPE;
  console.log(
    `model: MLP ${inputSize} → ${hiddenLayers} × ${hiddenSize} → ${outputSize} (onnxruntime-node, CPU, 1 thread); ` +
      `${cpus().length} × ${cpus()[0]?.model.trim()}; node ${process.version}`,
  );
  const raw = await ceiling();
  const closedLoads: Load[] = CLIENTS.map((clients) => ({
    kind: 'closed' as const,
    clients,
    label: `${clients} clients`,
  }));
  const openLoads: Load[] = OPEN_SHARES.map((share) => ({
    kind: 'open' as const,
    share,
    label: `open ${Math.round(share * 100)}%`,
  }));
  const loads = [...closedLoads, ...openLoads];
  console.log(
    `model alone, in process: ${round(raw.batch1, 0)} items/s at batch 1, ${round(raw.batchMax, 0)} items/s at batch ${MAX_BATCH_SIZE} (the ceiling)`,
  );
  console.log(
    `load: closed loop (autocannon) at ${CLIENTS.join(', ')} clients; open loop (Poisson) at ${OPEN_SHARES.map((s) => `${s * 100}%`).join(', ')} of the best closed-loop req/s; ` +
      `${ROUNDS} round(s) × ${pointSeconds} per point, routes alternating; latency in ms, server-side unless marked client\n`,
  );
  const { child, port } = await forkServer(join(__dirname, 'server.ts'));
  const body = JSON.stringify({ x: Array.from(randomRow(inputSize)) });
  const samples = new Map<string, Point[]>();
  let measuredCeiling = 0;
  const run = async (phase: Load[]) => {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [l, load] of phase.entries()) {
        for (const route of rotated(ROUTES, r + l)) {
          const key = `${route}@${load.label}`;
          samples.set(key, [
            ...(samples.get(key) ?? []),
            await measure(port, route, load, body, { seconds: SECONDS, ceilingRps: measuredCeiling, seed: r + 1 }),
          ]);
        }
      }
    }
  };
  try {
    // A light open load (every route keeps up with it) warms each route up; unlike an
    // autocannon run, it can be shorter than 1 s, which keeps the demo short.
    const warmUp: Run = { seconds: WARM_UP_SECONDS, ceilingRps: WARM_UP_RPS, seed: 0 };
    for (const route of ROUTES) await measure(port, route, { kind: 'open', share: 1, label: '' }, body, warmUp);
    await run(closedLoads);
    // The open loads are shares of the best rate the server reached in the closed loops.
    measuredCeiling = Math.max(...[...samples.values()].map((list) => median(list.map((p) => p.rps))));
    await run(openLoads);
  } finally {
    child.disconnect();
  }

  const point = (route: Route, load: Load): Point => medianFields(samples.get(`${route}@${load.label}`)!, ['errors']);
  /** The lowest and highest req/s of a route over the rounds, e.g. `1402-1650`. */
  const spread = (route: Route, load: Load): string => {
    const rates = samples.get(`${route}@${load.label}`)!.map((p) => Math.round(p.rps));
    return rates.length === 1 ? '-' : `${Math.min(...rates)}-${Math.max(...rates)}`;
  };
  /** The fixed delay with the highest rps at this load; within 2%, the one with the lowest p99. */
  const bestFixed = (load: Load): Route => {
    const top = Math.max(...FIXED.map((route) => point(route, load).rps));
    const close = FIXED.filter((route) => point(route, load).rps >= 0.98 * top);
    return close.reduce((a, b) => (point(b, load).serverP99 < point(a, load).serverP99 ? b : a));
  };

  for (const load of loads) {
    const unbatched = point('unbatched', load).rps;
    const offered = load.kind === 'open' ? `, ${Math.round(load.share * measuredCeiling)} req/s offered` : '';
    console.log(`${load.label}${offered}, best fixed: /${bestFixed(load)}`);
    console.log(
      table(
        [
          'route',
          'req/s',
          'rounds',
          'vs unbatched',
          'p50',
          'p99',
          'client p50',
          'client p99',
          'mean batch',
          'errors',
          'generator CPU',
        ],
        ROUTES.map((route) => {
          const p = point(route, load);
          return [
            `/${route}`,
            round(p.rps, 0),
            spread(route, load),
            `${round(p.rps / unbatched, 1)}x`,
            round(p.serverP50, 1),
            round(p.serverP99, 1),
            round(p.clientP50, 1),
            round(p.clientP99, 1),
            round(p.meanBatch, 1),
            p.errors,
            `${Math.round(p.generatorCpu * 100)}%`,
          ];
        }),
      ),
    );
    console.log('');
  }

  const c64 = loads.find((l) => l.kind === 'closed' && l.clients === 64) ?? loads[CLIENTS.length - 1]!;
  const c1 = loads[0]!;
  const best64 = Math.max(...[...FIXED, 'auto' as const].map((route) => point(route, c64).rps));
  const speedup = best64 / point('unbatched', c64).rps;
  const ceilingShare = best64 / raw.batchMax;
  const autoP50 = point('auto', c1).serverP50 / point('unbatched', c1).serverP50;
  const autoRps = loads.map((load) => point('auto', load).rps / point(bestFixed(load), load).rps);
  const autoP99 = loads.map((load) => point('auto', load).serverP99 / point(bestFixed(load), load).serverP99);
  const worst = (ratios: number[], pick: (a: number, b: number) => boolean) =>
    ratios.reduce((best, r, i) => (pick(r, ratios[best]!) ? i : best), 0);
  const [rpsAt, p99At] = [worst(autoRps, (a, b) => a < b), worst(autoP99, (a, b) => a > b)];
  console.log(
    `verdict: at ${c64.label} batching serves ${round(speedup, 1)}x the requests of one run per request, ` +
      `${Math.round(ceilingShare * 100)}% of the model's own batched ceiling. 'auto' against the best fixed delay at each load: ` +
      `its lowest req/s ratio is ${round(autoRps[rpsAt]!, 2)} (${loads[rpsAt]!.label}), its highest p99 ratio ${round(autoP99[p99At]!, 2)} ` +
      `(${loads[p99At]!.label}); at ${c1.label} its p50 is ${round(autoP50, 2)}x unbatched. The load generator used at most ` +
      `${Math.round(Math.max(...[...samples.values()].flat().map((p) => p.generatorCpu)) * 100)}% of a core.`,
  );

  const colors = ['#d62728', '#9467bd', '#8c564b', '#1f77b4', '#17becf', '#2ca02c'];
  const closed = loads.filter((l): l is Extract<Load, { kind: 'closed' }> => l.kind === 'closed');
  const series = (metric: 'rps' | 'serverP99') =>
    ROUTES.map((route, i) => ({
      name: `/${route}`,
      color: colors[i % colors.length]!,
      points: closed.map((load) => ({ x: load.clients, y: point(route, load)[metric] })),
    }));
  const outDir = join(__dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const chartPath = join(outDir, 'serve-chart.svg');
  writeFileSync(
    chartPath,
    serveChart(
      series('rps'),
      series('serverP99'),
      `${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}, ${ROUNDS} × ${pointSeconds} per point`,
    ),
  );
  console.log(`chart: ${chartPath}`);
  console.log(
    `serve: speedup_c64=${round(speedup, 2)} ceiling_c64=${round(ceilingShare, 2)} auto_p50_c1=${round(autoP50, 2)} ` +
      `auto_rps_min=${round(Math.min(...autoRps), 2)} auto_p99_max=${round(Math.max(...autoP99), 2)}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
