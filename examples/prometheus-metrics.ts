// A Prometheus /metrics endpoint for a batcher, through prom-client: batch sizes and queue
// waits from `onBatch`, request outcomes and queue depth from `stats()` at scrape time.
// Run it: npm run example:metrics, send a few requests (see fastify-server.ts), then
//   curl -s localhost:3000/metrics
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { batcherOf, type BatcherControls } from 'batched-fn';
import { buildApp, closeApp } from './fastify-server.js';
import { Classifier } from './model.js';
import { portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';

/** Registers the batcher's metrics in `registry`; names use base units, as Prometheus asks. */
export function registerBatcherMetrics(batcher: BatcherControls, registry: Registry): void {
  const batchSize = new Histogram({
    name: 'batched_batch_size',
    help: 'Items per batch sent to the batch method.',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const queueWait = new Histogram({
    name: 'batched_queue_wait_seconds',
    help: "How long each batch's first (longest-waiting) item waited in the queue.",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'batched_batch_duration_seconds',
    help: 'How long the batch method ran, per batch.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const batchesByTrigger = new Counter({
    name: 'batched_batches_total',
    help: "Batches sent, by why they left: full, window (the delay passed), turn (delay 0 or 'auto'), flush, close.",
    labelNames: ['trigger'],
    registers: [registry],
  });
  batcher.configure({
    onBatch: ({ size, queuedMs, runMs, trigger }) => {
      batchSize.observe(size);
      queueWait.observe(queuedMs / 1_000);
      batchDuration.observe(runMs / 1_000);
      batchesByTrigger.inc({ trigger });
    },
  });

  // The batcher already counts outcomes; read its counters when Prometheus scrapes.
  new Counter({
    name: 'batched_requests_total',
    help: 'Calls settled, by outcome (rejected counts every failure: bad input, full queue, timeout, error).',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const { resolved, rejected } = batcher.stats();
      this.reset();
      this.inc({ outcome: 'resolved' }, resolved);
      this.inc({ outcome: 'rejected' }, rejected);
    },
  });
  new Counter({
    name: 'batched_rejections_total',
    help: 'Calls rejected, by reason: queueFull, shed, timeout, abort, badInput, batchError, contract, ...',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(batcher.stats().rejectedBy)) this.inc({ reason }, count);
    },
  });
  new Gauge({
    name: 'batched_predicted_wait_seconds',
    help: 'Predicted time until a call arriving now would be answered (absent until 3 batches ran).',
    registers: [registry],
    collect() {
      const { predictedWaitMs } = batcher.stats();
      if (predictedWaitMs !== undefined) this.set(predictedWaitMs / 1_000);
    },
  });
  new Gauge({
    name: 'batched_queued_items',
    help: 'Items waiting, not yet in a batch.',
    registers: [registry],
    collect() {
      this.set(batcher.stats().queued);
    },
  });
  new Gauge({
    name: 'batched_running_batches',
    help: 'Batches running now.',
    registers: [registry],
    collect() {
      this.set(batcher.stats().running);
    },
  });
}

async function main(): Promise<void> {
  const model = await Classifier.load();
  const registry = new Registry();
  registerBatcherMetrics(batcherOf(model, 'predict'), registry);
  const app = buildApp(model);
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  const url = await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  console.log(`listening on ${url}`);
  closeOnSignal(() => closeApp(app, model));
}

if (require.main === module) void main();
