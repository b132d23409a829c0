// Interactive and bulk traffic on one model. An interactive request (the default) has
// priority 1 and a 2 s deadline; a request marked `x-traffic: bulk` (a backfill, a nightly
// job) has priority 0 and a minute. Under a flood of bulk work, interactive requests ride in
// the next batch; bulk fills the rest of each batch and waits, bounded by its own deadline.
// Run it: npm run example:priority, then
//   for i in $(seq 200); do curl -s localhost:3000/predict -H 'x-traffic: bulk' -H 'content-type: application/json' -d '{"features":[1,2,3,4]}' >/dev/null & done
//   curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
import Fastify from 'fastify';
import { Batched, batcherOf, type BatchResults, type CallOptions } from 'batched-fn';
import { setTimeout as sleep } from 'node:timers/promises';
import { Mlp } from '../bench/model.js';
import { numberFromEnv, portFromEnv } from './env.js';
import { abortOnHangUp } from './hang-up.js';
import { errorBody, statusFor } from './http-errors.js';
import { CLASSIFIER_BATCHING, CLASSIFIER_SHAPE, classify } from './model.js';
import { closeOnSignal } from './shutdown.js';

/** Who goes first, and how long each kind of request may wait. */
export const TRAFFIC = {
  interactive: { priority: 1, timeout: 2_000 },
  bulk: { priority: 0, timeout: 60_000 },
} as const;

class SharedModel {
  constructor(
    private readonly mlp: Mlp,
    /** Stands for a heavier model: extra ms per batch (MODEL_DELAY_MS), so a queue forms. */
    private readonly extraMs: number,
  ) {}

  predict(features: number[], call?: CallOptions): Promise<number[]>;
  @Batched({ ...CLASSIFIER_BATCHING, maxBatchSize: 8, maxQueueSize: 10_000 })
  async predict<B extends number[][]>(batch: B): BatchResults<number[]> {
    if (this.extraMs > 0) await sleep(this.extraMs);
    return classify(this.mlp, batch);
  }
}

async function main(): Promise<void> {
  const extraMs = numberFromEnv('MODEL_DELAY_MS', 0, 'a number >= 0', (ms) => Number.isFinite(ms) && ms >= 0);
  const mlp = await Mlp.load(CLASSIFIER_SHAPE);
  const model = new SharedModel(mlp, extraMs);
  const app = Fastify();
  app.post<{ Body: { features: number[] } }>('/predict', async (request, reply) => {
    const traffic = request.headers['x-traffic'] === 'bulk' ? 'bulk' : 'interactive';
    try {
      const scores = await model.predict(request.body?.features, {
        ...TRAFFIC[traffic],
        signal: abortOnHangUp(reply.raw),
      });
      return { scores, traffic };
    } catch (error) {
      return reply.code(statusFor(error)).send(errorBody(error));
    }
  });
  app.get('/stats', async () => batcherOf(model, 'predict').stats());
  const url = await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  console.log(`listening on ${url}`);
  closeOnSignal(async () => {
    await Promise.all([app.close(), batcherOf(model, 'predict').close()]);
    await mlp.release();
  });
}

if (require.main === module) void main();
