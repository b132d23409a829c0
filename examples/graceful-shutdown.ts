// Graceful shutdown: on SIGTERM, stop taking requests, answer every request already in
// flight (queued or in a running batch), then exit. Nothing in flight is lost.
// Run it: npm run example:shutdown; in another shell send a few requests, e.g.
//   for i in 1 2 3; do curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}' & done
// and press Ctrl-C while they wait: they are answered at once, then the process exits.
import { batcherOf } from 'batched-fn';
import { buildApp } from './fastify-server.js';
import { Classifier } from './model.js';
import { closeOnSignal, portFromEnv } from './shutdown.js';

/** A long batching window (1 s unless BATCH_DELAY_MS says otherwise), so there is something to watch. */
function delayFromEnv(): number {
  const delay = Number(process.env['BATCH_DELAY_MS'] ?? 1_000);
  if (!Number.isFinite(delay) || delay < 0)
    throw new RangeError(`BATCH_DELAY_MS must be a number >= 0, got ${process.env['BATCH_DELAY_MS']}`);
  return delay;
}

async function main(): Promise<void> {
  const model = await Classifier.load();
  const batcher = batcherOf(model, 'predict');
  const delay = delayFromEnv();
  // A request may wait the whole window, so its deadline moves with it.
  batcher.configure({ delay, timeout: delay + 2_000 });
  const app = buildApp(model);
  const url = await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  console.log(`listening on ${url}`);

  closeOnSignal(async () => {
    const { queued, running } = batcher.stats();
    console.log(`in flight: ${queued} queued, ${running} batch(es) running`);
    // Both at once: app.close() stops listening and waits for open requests; batcher.close()
    // sends the queued items now instead of after the delay, and refuses new calls (503).
    await Promise.all([app.close(), batcher.close()]);
    await model.release();
    const after = batcher.stats();
    console.log(`closed: ${after.resolved} resolved, ${after.rejected} rejected, ${after.queued} left`);
  });
}

if (require.main === module) void main();
