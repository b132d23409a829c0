// Scale-out across cores with node:cluster: each worker process loads its own model and has
// its own batcher. Batching is per process; the primary hands each new connection to a
// worker, as a load balancer would hand requests to replicas.
// Run it: npm run example:cluster (WORKERS=n sets the count; default one per core).
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { buildApp, closeApp } from './fastify-server.js';
import { Classifier } from './model.js';
import { numberFromEnv, portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';

/** A worker: the Fastify model server, answering with its pid so you can see who served you. */
async function runWorker(): Promise<void> {
  const model = await Classifier.load();
  const app = buildApp(model);
  app.addHook('onSend', async (_request, reply) => void reply.header('x-worker-pid', process.pid));
  await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  // Ctrl-C reaches every process in the group; the primary decides, and sends SIGTERM.
  process.on('SIGINT', () => {});
  closeOnSignal(() => closeApp(app, model), ['SIGINT']);
}

/**
 * The primary: starts the workers and reports once all listen; replaces a worker that dies
 * while serving, gives up if one cannot start; on a signal, stops them all gracefully.
 */
function runPrimary(): void {
  const count = numberFromEnv(
    'WORKERS',
    availableParallelism(),
    'an integer >= 1',
    (n) => Number.isInteger(n) && n >= 1,
  );
  let listening = 0;
  let closing = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    if (++listening === count) console.log(`listening on http://127.0.0.1:${address.port} (${count} workers)`);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (closing) return;
    console.error(`worker ${worker.process.pid} exited with ${signal ?? code}`);
    if (listening < count) process.exit(1); // it failed to start: so will its replacement
    cluster.fork();
  });
  // Each worker closes gracefully (answers what it holds), then the primary exits.
  closeOnSignal(async () => {
    closing = true;
    const alive = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !worker?.isDead());
    await Promise.all(alive.map((worker) => stopWorker(worker)));
  });
}

function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    worker.once('exit', () => resolve());
    worker.process.kill('SIGTERM');
  });
}

if (require.main === module) {
  if (cluster.isPrimary) runPrimary();
  else void runWorker();
}
