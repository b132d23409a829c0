// A Fastify model server: one POST /predict per input, batched behind the scenes, ready to run
// as one replica of many behind a load balancer: a call the batcher sheds (it could not be
// answered within its deadline) is a fast 503 with Retry-After, which the balancer retries
// elsewhere, and GET /ready answers 503 while the predicted wait is too long, so that the
// balancer (a Kubernetes readiness probe) sends new traffic to other replicas meanwhile.
// Run it: npm run example:fastify, then
//   curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
//   curl -s localhost:3000/ready
import Fastify, { type FastifyInstance } from 'fastify';
import { batcherOf } from 'batched-fn';
import { abortOnHangUp } from './hang-up.js';
import { errorBody, headersFor, statusFor } from './http-errors.js';
import { Classifier } from './model.js';
import { portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';

interface PredictBody {
  features: number[];
}

/**
 * GET /ready answers 503 while a request arriving now is predicted to wait longer than this
 * (ms): a quarter of the model's 2 s deadline, so a replica leaves rotation well before it
 * would shed. Set it from READY_MAX_WAIT_MS.
 */
export const READY_MAX_WAIT_MS = Number(process.env['READY_MAX_WAIT_MS'] ?? 500);

/** The app, apart from listening, so that other examples (and tests) can reuse it. */
export function buildApp(model: Classifier, readyMaxWaitMs = READY_MAX_WAIT_MS): FastifyInstance {
  const app = Fastify();
  app.post<{ Body: PredictBody }>('/predict', async (request, reply) => {
    try {
      // A request waits no longer than its client does (and at most the model's 2 s timeout).
      const signal = abortOnHangUp(reply.raw);
      return { scores: await model.predict(request.body?.features, { signal }) };
    } catch (error) {
      return reply.code(statusFor(error)).headers(headersFor(error)).send(errorBody(error));
    }
  });
  app.get('/stats', async () => batcherOf(model, 'predict').stats());
  // Readiness: no prediction yet (fewer than 3 batches ran) counts as ready.
  app.get('/ready', async (_request, reply) => {
    const { predictedWaitMs = 0 } = batcherOf(model, 'predict').stats();
    const ready = predictedWaitMs <= readyMaxWaitMs;
    return reply.code(ready ? 200 : 503).send({ ready, predictedWaitMs, readyMaxWaitMs });
  });
  return app;
}

/** Stops taking requests and answers the ones in flight, then frees the model. */
export async function closeApp(app: FastifyInstance, model: Classifier): Promise<void> {
  // close() sends what is queued at once, so the requests app.close() waits for finish now.
  await Promise.all([app.close(), batcherOf(model, 'predict').close()]);
  await model.release();
}

async function main(): Promise<void> {
  const model = await Classifier.load();
  const app = buildApp(model);
  const url = await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  console.log(`listening on ${url}`);
  closeOnSignal(() => closeApp(app, model));
}

if (require.main === module) void main();
