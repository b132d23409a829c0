// What the benchmarks' servers share: latency measured on the server, from its own hooks
// (request received → response sent), a GET /stats that hands it over, listening on
// 127.0.0.1 only, and running as the child of the benchmark that started it; and, on the
// benchmark's side, reading one load's figures back from it.
import type { FastifyInstance } from 'fastify';
import type { BatcherControls, BatcherStats } from '../src/index.js';
import { percentile } from './stats.js';

/** What GET /stats answers: the latencies per route since the last call (which resets them), and the batchers' stats. */
export interface ServerStats {
  latencies: Record<string, number[]>;
  batchers: Record<string, BatcherStats>;
  /** Model work not finished yet: calls queued or running in the batchers, and runs outside them. */
  busy: number;
}

/**
 * Records each request's server-side latency by route, and serves them with `batchers()` at
 * GET /stats. `runsOutsideBatchers()` counts model runs the batchers do not see (an unbatched route).
 */
export function serveStats(
  app: FastifyInstance,
  batchers: () => Record<string, BatcherStats>,
  runsOutsideBatchers: () => number = () => 0,
): void {
  const started = new WeakMap<object, number>();
  let latencies: Record<string, number[]> = {};
  app.addHook('onRequest', async (request) => void started.set(request, performance.now()));
  app.addHook('onResponse', async (request) => {
    const since = started.get(request);
    const route = request.url.slice(1);
    if (since !== undefined && route !== 'stats') (latencies[route] ??= []).push(performance.now() - since);
  });
  app.get('/stats', async (): Promise<ServerStats> => {
    const taken = latencies;
    latencies = {};
    const stats = batchers();
    const queued = Object.values(stats).reduce((sum, batcher) => sum + batcher.queued + batcher.running, 0);
    return { latencies: taken, batchers: stats, busy: queued + runsOutsideBatchers() };
  });
}

/**
 * Listens on 127.0.0.1 and returns the port, with a close that stops the server, closes every
 * batcher (so what is queued is answered) and then releases the model.
 */
export async function serveModels(
  app: FastifyInstance,
  batchers: Iterable<BatcherControls>,
  release: () => Promise<void>,
): Promise<{ port: number; close: () => Promise<void> }> {
  const port = await listenLocally(app);
  return {
    port,
    close: async () => {
      await app.close();
      await Promise.all([...batchers].map((batcher) => batcher.close()));
      await release();
    },
  };
}

/** Listens on 127.0.0.1 at a free port, and returns the port. */
export async function listenLocally(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Run as a child of a benchmark: tells the parent the port, and stops by itself when the parent goes. */
export function serveAsChild(start: () => Promise<{ port: number; close: () => Promise<void> }>): void {
  void start().then(({ port, close }) => {
    process.send?.({ port });
    process.on('disconnect', () => void close().then(() => process.exit(0)));
  });
}

/** What the server saw of one load, and what the load generator (this process) cost. */
export interface ServerSide {
  serverP50: number;
  serverP99: number;
  meanBatch: number;
  /** CPU time the load generator used, as a share of one core. */
  generatorCpu: number;
}

/** Runs `load` against `route` of the server at `port`, and reads the server's side of it. */
export async function measureOnServer<T>(
  port: number,
  route: string,
  load: () => Promise<T>,
): Promise<{ result: T; server: ServerSide }> {
  const before = await fetchStats(port); // also resets the server's latencies
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await load();
  const cpu = process.cpuUsage(cpuBefore);
  const generatorCpu = (cpu.user + cpu.system) / 1_000 / (performance.now() - wallBefore);
  const after = await statsWhenIdle(port);
  const latencies = after.latencies[route] ?? [];
  const [b, a] = [before.batchers[route], after.batchers[route]];
  return {
    result,
    server: {
      serverP50: percentile(latencies, 50),
      serverP99: percentile(latencies, 99),
      meanBatch: a && b ? (a.items - b.items) / Math.max(1, a.batches - b.batches) : 1,
      generatorCpu,
    },
  };
}

/**
 * The server's stats once it has no model work left (at most 30 s): a load that leaves work
 * queued (an open loop beyond what a route can serve) must not run into the next measurement.
 * Latencies recorded while waiting belong to this load and are kept.
 */
async function statsWhenIdle(port: number): Promise<ServerStats> {
  let stats = await fetchStats(port);
  const latencies = stats.latencies;
  const giveUpAt = performance.now() + 30_000;
  while (stats.busy > 0 && performance.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    stats = await fetchStats(port);
    for (const [route, values] of Object.entries(stats.latencies)) (latencies[route] ??= []).push(...values);
  }
  return { ...stats, latencies };
}

async function fetchStats(port: number): Promise<ServerStats> {
  return (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as ServerStats;
}
