// Variable-length inputs: a text encoder whose cost grows with batch × padded length, served
// over HTTP five ways, under 64 closed-loop clients whose texts are 8..512 tokens long
// (log-uniform: mostly short, a long tail).
//   /unbatched  one model run per request
//   /count      maxBatchSize 32 (counted in items: one long text pads the whole batch)
//   /cost       + cost = length, maxBatchCost 8192 tokens
//   /buckets    + partitionBy = length bucket (powers of two)
//   /both       + buckets and a budget of 8192 padded tokens
//   npm run bench:lengths          3 rounds of 4 s per route (ROUNDS, SECONDS, CONNECTIONS to change)
import autocannon from 'autocannon';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { measureOnServer, type ServerSide } from './bench-server.js';
import { forkServer } from './fork.js';
import { CONCURRENCY, DELAY_MS, MAX_BATCH_SIZE, MAX_BATCH_TOKENS } from './lengths-server.js';
import { medianFields, round, table } from './stats.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 4);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const ROUTES = ['unbatched', 'count', 'cost', 'buckets', 'both'] as const;
type Route = (typeof ROUTES)[number];
const SMART: Route[] = ['cost', 'buckets', 'both'];

/** Log-uniform over 8..512 tokens: mostly short texts, a long tail. */
const randomLength = (): number => Math.round(8 * 64 ** Math.random());

interface Sample extends ServerSide {
  rps: number;
  clientP99: number;
  errors: number;
}

async function measure(port: number, route: Route, seconds: number): Promise<Sample> {
  const { result, server } = await measureOnServer(port, route, () =>
    autocannon({
      url: `http://127.0.0.1:${port}/${route}`,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: JSON.stringify({ length: randomLength() }) }),
        },
      ],
    }),
  );
  return {
    rps: result.requests.average,
    clientP99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    ...server,
  };
}

async function main(): Promise<void> {
  console.log(
    `model: text encoder, per-token MLP 32 → 384 → 384 → 32 with masked mean pooling (onnxruntime-node, CPU, 1 thread); ` +
      `${cpus().length} × ${cpus()[0]?.model.trim()}; node ${process.version}`,
  );
  console.log(
    `load: autocannon, ${CONNECTIONS} closed-loop clients, lengths log-uniform 8..512 tokens, ` +
      `${ROUNDS} round(s) × ${SECONDS} s per route, routes alternating; batched routes: delay ${DELAY_MS} ms, ` +
      `maxBatchSize ${MAX_BATCH_SIZE}, concurrency ${CONCURRENCY}, budget ${MAX_BATCH_TOKENS} tokens\n`,
  );
  const { child, port } = await forkServer(join(__dirname, 'lengths-server.ts'));
  const samples = new Map<Route, Sample[]>(ROUTES.map((route) => [route, []]));
  try {
    for (const route of ROUTES) await measure(port, route, 1); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const route of ROUTES) samples.get(route)!.push(await measure(port, route, SECONDS));
    }
  } finally {
    child.disconnect();
  }

  const point = (route: Route): Sample => medianFields(samples.get(route)!, ['errors']);
  const count = point('count');
  console.log(
    table(
      [
        'route',
        'req/s',
        'vs count',
        'server p50 ms',
        'server p99 ms',
        'client p99 ms',
        'mean batch',
        'errors',
        'generator CPU',
      ],
      ROUTES.map((route) => {
        const p = point(route);
        return [
          `/${route}`,
          round(p.rps, 0),
          `${round(p.rps / count.rps, 2)}x`,
          round(p.serverP50, 1),
          round(p.serverP99, 1),
          p.clientP99,
          round(p.meanBatch, 1),
          p.errors,
          `${Math.round(p.generatorCpu * 100)}%`,
        ];
      }),
    ),
  );
  const best = SMART.reduce((a, b) => (point(b).rps > point(a).rps ? b : a));
  const winner = point(best);
  console.log(
    `\nverdict: /${best} serves ${round(winner.rps / count.rps, 2)}x the requests of count-only batching ` +
      `(${round(winner.rps, 0)} vs ${round(count.rps, 0)} req/s), server-side p99 ${round(winner.serverP99, 0)} vs ${round(count.serverP99, 0)} ms; ` +
      `${round(winner.rps / point('unbatched').rps, 2)}x unbatched. The load generator used at most ` +
      `${Math.round(Math.max(...ROUTES.map((r) => point(r).generatorCpu)) * 100)}% of a core.`,
  );
  console.log(
    `lengths: speedup_vs_count=${round(winner.rps / count.rps, 2)} p99_ratio=${round(winner.serverP99 / count.serverP99, 2)} speedup_vs_unbatched=${round(winner.rps / point('unbatched').rps, 2)}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
