// The model server of the serving benchmark and the demo: Fastify over one MLP, with one route
// per way of serving it: /unbatched (one model run per request), /fixed-1, /fixed-2, /fixed-5,
// /fixed-10 (@Batched with that fixed delay in ms) and /auto (delay 'auto'), all maxBatchSize
// 32. Latency is also measured here, from the server's own hooks (request received → response
// sent), so that a starving load generator cannot decide the result. Run as a child process by
// serve.ts; it exits when its parent goes.
import Fastify from 'fastify';
import { Batched, batcherOf, type BatchResults, type BatcherStats } from '../src/index.js';
import { Mlp } from './model.js';

export const MAX_BATCH_SIZE = 32;
export const FIXED_DELAYS_MS = [1, 2, 5, 10] as const;
export const ROUTES = ['unbatched', ...FIXED_DELAYS_MS.map((ms) => `fixed-${ms}`), 'auto'] as const;

/** One batcher per instance: its options come from the instance (SPEC §2, options as a function). */
class BatchedModel {
  constructor(
    private readonly mlp: Mlp,
    readonly delay: number | 'auto',
  ) {}

  predict(row: Float32Array): Promise<Float32Array>;
  @Batched((self: BatchedModel) => ({ delay: self.delay, maxBatchSize: MAX_BATCH_SIZE }))
  async predict<B extends Float32Array[]>(rows: B): BatchResults<Float32Array> {
    return this.mlp.run(rows);
  }
}

interface PredictBody {
  x: number[];
}

/** What GET /stats answers: the server-side latencies since the last call (which resets them), and each batcher's stats. */
export interface ServerStats {
  latencies: Record<string, number[]>;
  batchers: Record<string, BatcherStats>;
}

export async function startServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const mlp = await Mlp.load();
  const models = new Map<string, BatchedModel>([
    ...FIXED_DELAYS_MS.map((ms) => [`fixed-${ms}`, new BatchedModel(mlp, ms)] as const),
    ['auto', new BatchedModel(mlp, 'auto')],
  ]);
  const app = Fastify({ logger: false });
  const parse = (body: PredictBody) => Float32Array.from(body.x);
  const answer = (y: Float32Array) => ({ y: Array.from(y) });

  const started = new WeakMap<object, number>();
  let latencies: Record<string, number[]> = {};
  app.addHook('onRequest', async (request) => void started.set(request, performance.now()));
  app.addHook('onResponse', async (request) => {
    const since = started.get(request);
    const route = request.url.slice(1);
    if (since !== undefined && route !== 'stats') (latencies[route] ??= []).push(performance.now() - since);
  });

  app.post<{ Body: PredictBody }>('/unbatched', async (request) => answer((await mlp.run([parse(request.body)]))[0]!));
  for (const [route, model] of models) {
    app.post<{ Body: PredictBody }>(`/${route}`, async (request) => answer(await model.predict(parse(request.body))));
  }
  app.get('/stats', async (): Promise<ServerStats> => {
    const taken = latencies;
    latencies = {};
    const batchers = Object.fromEntries(
      [...models].map(([route, model]) => [route, batcherOf(model, 'predict').stats()]),
    );
    return { latencies: taken, batchers };
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: async () => {
      await app.close();
      await Promise.all([...models.values()].map((model) => batcherOf(model, 'predict').close()));
      await mlp.release();
    },
  };
}

if (require.main === module) {
  void startServer().then(({ port, close }) => {
    process.send?.({ port });
    // Stops by itself when the benchmark that started it goes away.
    process.on('disconnect', () => void close().then(() => process.exit(0)));
  });
}
