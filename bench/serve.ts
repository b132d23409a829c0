// A real model behind a real HTTP server, served three ways, under load from autocannon:
//   /unbatched  one model run per request
//   /batched    @Batched({ delay: 5, maxBatchSize: 32 })
//   /auto       @Batched({ delay: 'auto', maxBatchSize: 32 })
// Also measures the model's raw items/s in process, the ceiling.
//   npm run bench:serve           3 rounds of 4 s per point (ROUNDS, SECONDS to change)
//   npm run demo                  the short version: 1 round of 2 s per point, < 1 minute
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { BatcherStats } from '../src/index.js';
import { serveChart } from './chart.js';
import { forkServer } from './fork.js';
import { DEFAULT_SHAPE, Mlp, randomRow } from './model.js';
import { FIXED_DELAY_MS, MAX_BATCH_SIZE } from './server.js';
import { median, round, table } from './stats.js';

const demo = process.argv.includes('--demo');
const ROUNDS = Number(process.env.ROUNDS ?? (demo ? 1 : 3));
const SECONDS = Number(process.env.SECONDS ?? (demo ? 2 : 4));
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,8,64,256').split(',').map(Number);
const ROUTES = ['unbatched', 'batched', 'auto'] as const;
type Route = (typeof ROUTES)[number];

interface Point {
  rps: number;
  p50: number;
  p99: number;
  meanBatch: number;
  errors: number;
}

async function stats(port: number): Promise<Record<string, BatcherStats>> {
  return (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as Record<string, BatcherStats>;
}

async function load(port: number, route: Route, connections: number, seconds: number, body: string) {
  return autocannon({
    url: `http://127.0.0.1:${port}/${route}`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

/** The model alone, in process: items/s at batch 1 and at maxBatchSize. */
async function ceiling(): Promise<{ batch1: number; batchMax: number }> {
  const mlp = await Mlp.load();
  const rate = async (size: number) => {
    const rows = Array.from({ length: size }, () => randomRow(DEFAULT_SHAPE.inputSize));
    for (let i = 0; i < 3; i++) await mlp.run(rows);
    const started = performance.now();
    let items = 0;
    while (performance.now() - started < 1_000) {
      await mlp.run(rows);
      items += size;
    }
    return (items * 1_000) / (performance.now() - started);
  };
  const result = { batch1: await rate(1), batchMax: await rate(MAX_BATCH_SIZE) };
  await mlp.release();
  return result;
}

async function main(): Promise<void> {
  const { inputSize, hiddenSize, hiddenLayers, outputSize } = DEFAULT_SHAPE;
  console.log(
    `model: MLP ${inputSize} → ${hiddenLayers} × ${hiddenSize} → ${outputSize} (onnxruntime-node, CPU, 1 thread); ` +
      `${cpus().length} × ${cpus()[0]?.model.trim()}; node ${process.version}`,
  );
  console.log(`load: autocannon, ${ROUNDS} round(s) × ${SECONDS} s per point, routes alternating\n`);
  const raw = await ceiling();
  const { child, port } = await forkServer(join(__dirname, 'server.ts'));
  const body = JSON.stringify({ x: Array.from(randomRow(inputSize)) });
  const samples = new Map<string, Point[]>();
  try {
    for (const route of ROUTES) await load(port, route, 8, 1, body); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const connections of CONCURRENCY) {
        for (const route of ROUTES) {
          const before = await stats(port);
          const result = await load(port, route, connections, SECONDS, body);
          const after = await stats(port);
          const [b, a] = [before[route], after[route]];
          const meanBatch = a && b ? (a.items - b.items) / Math.max(1, a.batches - b.batches) : 1;
          const key = `${route}@${connections}`;
          samples.set(key, [
            ...(samples.get(key) ?? []),
            {
              rps: result.requests.average,
              p50: result.latency.p50,
              p99: result.latency.p99,
              meanBatch,
              errors: result.errors + result.timeouts + result.non2xx,
            },
          ]);
        }
      }
    }
  } finally {
    child.disconnect();
  }

  const point = (route: Route, c: number): Point => {
    const list = samples.get(`${route}@${c}`)!;
    return {
      rps: median(list.map((p) => p.rps)),
      p50: median(list.map((p) => p.p50)),
      p99: median(list.map((p) => p.p99)),
      meanBatch: median(list.map((p) => p.meanBatch)),
      errors: list.reduce((sum, p) => sum + p.errors, 0),
    };
  };
  const rows = CONCURRENCY.flatMap((c) =>
    ROUTES.map((route) => {
      const p = point(route, c);
      const speedup = p.rps / point('unbatched', c).rps;
      return [c, `/${route}`, round(p.rps, 0), `${round(speedup, 1)}x`, p.p50, p.p99, round(p.meanBatch, 1), p.errors];
    }),
  );
  console.log(table(['clients', 'route', 'req/s', 'vs unbatched', 'p50 ms', 'p99 ms', 'mean batch', 'errors'], rows));
  console.log(
    `\nmodel alone, in process: ${round(raw.batch1, 0)} items/s at batch 1, ${round(raw.batchMax, 0)} items/s at batch ${MAX_BATCH_SIZE} (the ceiling)`,
  );

  const c64 = CONCURRENCY.includes(64) ? 64 : CONCURRENCY[CONCURRENCY.length - 1]!;
  const c1 = CONCURRENCY[0]!;
  const unbatched64 = point('unbatched', c64);
  const fixed64 = point('batched', c64);
  const auto64 = point('auto', c64);
  const bestBatched64 = Math.max(fixed64.rps, auto64.rps);
  const speedup = fixed64.rps / unbatched64.rps;
  const autoP50 = point('auto', c1).p50 / point('unbatched', c1).p50;
  const autoRps = auto64.rps / fixed64.rps;
  const ceilingShare = bestBatched64 / raw.batchMax;
  console.log(
    `\nverdict: at ${c64} clients batching serves ${round(speedup, 1)}x the requests of one-run-per-request ` +
      `(${round(fixed64.rps, 0)} vs ${round(unbatched64.rps, 0)} req/s, p99 ${fixed64.p99} vs ${unbatched64.p99} ms), ` +
      `reaching ${Math.round(ceilingShare * 100)}% of the model's own batched ceiling; delay 'auto' adds ` +
      `${round((autoP50 - 1) * 100, 0)}% to p50 at ${c1} client and its p99 at ${c64} is ${auto64.p99} ms vs ${fixed64.p99} ms for delay ${FIXED_DELAY_MS}.`,
  );

  const colors: Record<Route, string> = { unbatched: '#d62728', batched: '#1f77b4', auto: '#2ca02c' };
  const series = (metric: 'rps' | 'p99') =>
    ROUTES.map((route) => ({
      name: route === 'batched' ? `/batched (delay ${FIXED_DELAY_MS})` : `/${route}`,
      color: colors[route],
      points: CONCURRENCY.map((c) => ({ x: c, y: point(route, c)[metric] })),
    }));
  const outDir = join(__dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const chartPath = join(outDir, 'serve-chart.svg');
  writeFileSync(
    chartPath,
    serveChart(
      series('rps'),
      series('p99'),
      `${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}, ${ROUNDS} × ${SECONDS} s per point`,
    ),
  );
  console.log(`chart: ${chartPath}`);
  console.log(
    `serve: speedup_c64=${round(speedup, 2)} auto_p50_c1=${round(autoP50, 2)} auto_rps_c64=${round(autoRps, 2)} ceiling_c64=${round(ceilingShare, 2)}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
