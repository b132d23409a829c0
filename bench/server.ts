// The model server of the serving benchmark and the demo: Fastify with three routes over one
// MLP: /unbatched (one model run per request), /batched (@Batched, fixed delay) and /auto
// (@Batched, delay 'auto'). Run as a child process by serve.ts; it exits when its parent goes.
import Fastify from 'fastify';
import { Batched, batcherOf, type BatchResults, type BatcherStats } from '../src/index.js';
import { Mlp } from './model.js';

export const MAX_BATCH_SIZE = 32;
export const FIXED_DELAY_MS = 5;

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

export async function startServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const mlp = await Mlp.load();
  const fixed = new BatchedModel(mlp, FIXED_DELAY_MS);
  const auto = new BatchedModel(mlp, 'auto');
  const app = Fastify({ logger: false });
  const parse = (body: PredictBody) => Float32Array.from(body.x);
  const answer = (y: Float32Array) => ({ y: Array.from(y) });

  app.post<{ Body: PredictBody }>('/unbatched', async (request) => answer((await mlp.run([parse(request.body)]))[0]!));
  app.post<{ Body: PredictBody }>('/batched', async (request) => answer(await fixed.predict(parse(request.body))));
  app.post<{ Body: PredictBody }>('/auto', async (request) => answer(await auto.predict(parse(request.body))));
  app.get('/stats', async (): Promise<Record<string, BatcherStats>> => ({
    batched: batcherOf(fixed, 'predict').stats(),
    auto: batcherOf(auto, 'predict').stats(),
  }));

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: async () => {
      await app.close();
      await Promise.all([batcherOf(fixed, 'predict').close(), batcherOf(auto, 'predict').close()]);
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
