// An Express route: the handler awaits one prediction; concurrent requests share a batch.
// Run it: npm run example:express, then
//   curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { batcherOf } from 'batched-fn';
import { abortOnHangUp } from './hang-up.js';
import { errorBody, statusFor } from './http-errors.js';
import { Classifier } from './model.js';
import { portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';

export function buildApp(model: Classifier): Express {
  const app = express();
  app.use(express.json());
  // Express 5 passes a rejected handler's error to the error middleware; answering here
  // keeps the status mapping next to the route.
  app.post('/predict', async (request, response) => {
    try {
      const body = request.body as { features?: number[] } | undefined;
      const signal = abortOnHangUp(response); // a request waits no longer than its client does
      response.json({ scores: await model.predict(body?.features as number[], { signal }) });
    } catch (error) {
      response.status(statusFor(error)).json(errorBody(error));
    }
  });
  app.get('/stats', (_request, response) => {
    response.json(batcherOf(model, 'predict').stats());
  });
  return app;
}

/** Listens on 127.0.0.1 and resolves once the port is bound. */
function listen(app: Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

async function main(): Promise<void> {
  const model = await Classifier.load();
  const server = await listen(buildApp(model), portFromEnv());
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}`);
  closeOnSignal(async () => {
    // server.close() waits for open requests; the batcher's close() answers them now.
    const serverClosed = new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
    server.closeIdleConnections();
    await Promise.all([serverClosed, batcherOf(model, 'predict').close()]);
    await model.release();
  });
}

if (require.main === module) void main();
