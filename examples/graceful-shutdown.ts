// Graceful shutdown: on SIGTERM, stop taking requests, answer every request already in
// flight (queued or in a running batch), then exit. Nothing in flight is lost.
// Run it: npm run example:shutdown; in another shell send a few requests, e.g.
//   for i in 1 2 3; do curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}' & done
// and press Ctrl-C while they wait: they are answered at once, then the process exits.
import { batcherOf } from 'batched-fn';
import { buildApp, closeApp, Rotation } from './fastify-server.js';
import { Classifier } from './model.js';
import { numberFromEnv, portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';

async function main(): Promise<void> {
  const model = await Classifier.load();
  const batcher = batcherOf(model, 'predict');
  // A long batching window (1 s unless BATCH_DELAY_MS says otherwise), so there is something to watch.
  const delay = numberFromEnv('BATCH_DELAY_MS', 1_000, 'a number >= 0', (ms) => Number.isFinite(ms) && ms >= 0);
  // A request may wait the whole window, so its deadline moves with it.
  const deadlineMs = delay + 2_000;
  batcher.configure({ delay, timeout: deadlineMs });
  const app = buildApp(model, new Rotation(), deadlineMs);
  const url = await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  console.log(`listening on ${url}`);

  closeOnSignal(async () => {
    const { queued, running } = batcher.stats();
    console.log(`in flight: ${queued} queued, ${running} batch(es) running`);
    // closeApp closes the server and the batcher at once: the server waits for open requests,
    // the batcher sends what is queued now instead of after the delay and refuses new calls (503).
    await closeApp(app, model);
    const after = batcher.stats();
    console.log(`closed: ${after.resolved} resolved, ${after.rejected} rejected, ${after.queued} left`);
  });
}

if (require.main === module) void main();
