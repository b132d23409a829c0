// A Fastify model server: one POST /predict per input, batched behind the scenes, ready to run
// as one replica of many behind a load balancer (examples/haproxy/ runs three behind HAProxy):
// - each request's deadline counts the whole trip: the time it spent in the balancer's queue
//   and in sockets (X-Request-Start, grpc-timeout, Envoy's timeout header) is already spent;
// - a call the batcher sheds (it could not be answered in time) is a fast 503 with Retry-After;
// - GET /ready means "started and not shutting down", never "not busy": a probe on load takes
//   every replica out at once when the whole service is overloaded (docs/guide.md).
// Run it: npm run example:fastify, then
//   curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
//   curl -s localhost:3000/ready
import Fastify, { type FastifyInstance } from 'fastify';
import { batcherOf, timeLeft, type CallOptions } from 'batched-fn';
import { abortOnHangUp } from './hang-up.js';
import { errorBody, headersFor, statusFor } from './http-errors.js';
import { Classifier } from './model.js';
import { numberFromEnv, portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';

interface PredictBody {
  features: number[];
}

/** What the server needs of a model: a batched `predict` (its batcher is found by batcherOf) and a way to free it. */
export interface ServedModel {
  predict(features: number[], call?: CallOptions): Promise<number[]>;
  release(): Promise<void>;
}

/** Whether this replica is leaving rotation (it got SIGTERM): /ready and the HAProxy agent say so. */
export class Rotation {
  leaving = false;
}

/**
 * Each request's deadline in ms, counted from when the balancer first saw it
 * (`X-Request-Start`), else from when this server did. Set it from DEADLINE_MS.
 */
export const DEADLINE_MS = numberFromEnv('DEADLINE_MS', 2_000, 'a number > 0', (ms) => ms > 0);

/** The app, apart from listening, so that other examples (and tests) can reuse it. */
export function buildApp(model: ServedModel, rotation = new Rotation(), deadlineMs = DEADLINE_MS): FastifyInstance {
  const app = Fastify();
  app.post<{ Body: PredictBody }>('/predict', async (request, reply) => {
    // Time already spent upstream counts: a request that has none left is answered at once.
    const timeout = timeLeft(request.headers, deadlineMs);
    if (timeout <= 0) return reply.code(503).send({ error: `no time left of the ${deadlineMs} ms deadline` });
    try {
      // A request waits no longer than its client does, nor than its deadline.
      const signal = abortOnHangUp(reply.raw);
      return { scores: await model.predict(request.body?.features, { signal, timeout }) };
    } catch (error) {
      return reply.code(statusFor(error)).headers(headersFor(error)).send(errorBody(error));
    }
  });
  app.get('/stats', async () => batcherOf(model, 'predict').stats());
  app.get('/ready', async (_request, reply) =>
    reply.code(rotation.leaving ? 503 : 200).send({ ready: !rotation.leaving }),
  );
  return app;
}

/** Stops taking requests and answers the ones in flight, then frees the model. */
export async function closeApp(app: FastifyInstance, model: ServedModel): Promise<void> {
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
