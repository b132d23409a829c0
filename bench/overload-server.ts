// The model server of the overload benchmark: Fastify over the demo's MLP, with one route per
// contender (each its own batcher, maxBatchSize 32, every call's deadline the SLO): /fixed-5,
// /auto, /auto-shed and /fixed-5-shed. A shed call is a 503, a deadline a 504, as a real
// server maps them. Run as a child process by overload.ts; it exits when its parent goes.
import Fastify from 'fastify';
import { Batched, batcherOf, OverloadedError, TimeoutError, type BatchResults } from '../src/index.js';
import { serveAsChild, serveModels, serveStats } from './bench-server.js';
import { Mlp } from './model.js';

export const MAX_BATCH_SIZE = 32;
/** Every call's deadline on the real model, in ms. */
export const REAL_SLO_MS = Number(process.env.REAL_SLO_MS ?? 150);

export const CONTENDERS = [
  { name: 'fixed-5', delay: 5, shed: false },
  { name: 'auto', delay: 'auto', shed: false },
  { name: 'auto-shed', delay: 'auto', shed: true },
  { name: 'fixed-5-shed', delay: 5, shed: true },
] as const;

class Model {
  constructor(
    private readonly mlp: Mlp,
    readonly delay: number | 'auto',
    readonly shed: boolean,
  ) {}

  predict(row: Float32Array): Promise<Float32Array>;
  @Batched((self: Model) => ({
    delay: self.delay,
    shed: self.shed,
    maxBatchSize: MAX_BATCH_SIZE,
    timeout: REAL_SLO_MS,
  }))
  async predict<B extends Float32Array[]>(rows: B): BatchResults<Float32Array> {
    return this.mlp.run(rows);
  }
}

export async function startServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const mlp = await Mlp.load();
  const models = new Map(CONTENDERS.map(({ name, delay, shed }) => [name, new Model(mlp, delay, shed)] as const));
  const app = Fastify({ logger: false });
  serveStats(app, () =>
    Object.fromEntries([...models].map(([route, model]) => [route, batcherOf(model, 'predict').stats()])),
  );
  for (const [route, model] of models) {
    app.post<{ Body: { x: number[] } }>(`/${route}`, async (request, reply) => {
      try {
        return { y: Array.from(await model.predict(Float32Array.from(request.body.x))) };
      } catch (error) {
        if (error instanceof OverloadedError) return reply.code(503).send({ error: error.message });
        if (error instanceof TimeoutError) return reply.code(504).send({ error: error.message });
        throw error;
      }
    });
  }
  return serveModels(
    app,
    [...models.values()].map((model) => batcherOf(model, 'predict')),
    () => mlp.release(),
  );
}

if (require.main === module) serveAsChild(startServer);
