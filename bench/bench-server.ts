// What the benchmarks' servers share: latency measured on the server, from its own hooks
// (request received → response sent), a GET /stats that hands it over, listening on
// 127.0.0.1 only, and running as the child of the benchmark that started it.
import type { FastifyInstance } from 'fastify';
import type { BatcherStats } from '../src/index.js';

/** What GET /stats answers: the latencies per route since the last call (which resets them), and the batchers' stats. */
export interface ServerStats {
  latencies: Record<string, number[]>;
  batchers: Record<string, BatcherStats>;
}

/** Records each request's server-side latency by route, and serves them with `batchers()` at GET /stats. */
export function serveStats(app: FastifyInstance, batchers: () => Record<string, BatcherStats>): void {
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
    return { latencies: taken, batchers: batchers() };
  });
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
