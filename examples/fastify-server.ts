// A Fastify model server: one POST /predict per input, batched behind the scenes.
// Run it: npm run example:fastify, then
//   curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
import Fastify, { type FastifyInstance } from 'fastify';
import { batcherOf } from 'batched-fn';
import { abortOnHangUp } from './hang-up.js';
import { errorBody, statusFor } from './http-errors.js';
import { Classifier } from './model.js';
import { portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';

interface PredictBody {
  features: number[];
}

/** The app, apart from listening, so that other examples (and tests) can reuse it. */
export function buildApp(model: Classifier): FastifyInstance {
  const app = Fastify();
  app.post<{ Body: PredictBody }>('/predict', async (request, reply) => {
    try {
      // A request waits no longer than its client does (and at most the model's 2 s timeout).
      const signal = abortOnHangUp(reply.raw);
      return { scores: await model.predict(request.body?.features, { signal }) };
    } catch (error) {
      return reply.code(statusFor(error)).send(errorBody(error));
    }
  });
  app.get('/stats', async () => batcherOf(model, 'predict').stats());
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
