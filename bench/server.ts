// The model server of the serving benchmark and the demo: Fastify over one MLP, with one route
// per way of serving it: /unbatched (one model run per request), /fixed-1, /fixed-2, /fixed-5,
// /fixed-10 (@Batched with that fixed delay in ms) and /auto (delay 'auto'), all maxBatchSize
// 32. Latency is also measured here (bench-server.ts), so that a starving load generator cannot
// decide the result. Run as a child process by serve.ts; it exits when its parent goes.
import Fastify from 'fastify';
import { Batched, batcherOf, type BatchResults } from '../src/index.js';
import { serveAsChild, serveModels, serveStats } from './bench-server.js';
import { Mlp } from './model.js';

export const MAX_BATCH_SIZE = 32;
export const FIXED_DELAYS_MS = [1, 2, 5, 10] as const;
export const ROUTES = ['unbatched', ...FIXED_DELAYS_MS.map((ms) => `fixed-${ms}`), 'auto'] as const;

/** One batcher per instance: its options come from the instance (contract §2, options as a function). */
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

export async function startServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const mlp = await Mlp.load();
  const models = new Map<string, BatchedModel>([
    ...FIXED_DELAYS_MS.map((ms) => [`fixed-${ms}`, new BatchedModel(mlp, ms)] as const),
    ['auto', new BatchedModel(mlp, 'auto')],
  ]);
  const app = Fastify({ logger: false });
  const parse = (body: PredictBody) => Float32Array.from(body.x);
  const answer = (y: Float32Array) => ({ y: Array.from(y) });

  let unbatchedRuns = 0;
  serveStats(
    app,
    () => Object.fromEntries([...models].map(([route, model]) => [route, batcherOf(model, 'predict').stats()])),
    () => unbatchedRuns,
  );

  app.post<{ Body: PredictBody }>('/unbatched', async (request) => {
    unbatchedRuns++;
    try {
      return answer((await mlp.run([parse(request.body)]))[0]!);
    } finally {
      unbatchedRuns--;
    }
  });
  for (const [route, model] of models) {
    app.post<{ Body: PredictBody }>(`/${route}`, async (request) => answer(await model.predict(parse(request.body))));
  }
  return serveModels(
    app,
    [...models.values()].map((model) => batcherOf(model, 'predict')),
    () => mlp.release(),
  );
}

if (require.main === module) serveAsChild(startServer);
