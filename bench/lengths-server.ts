// The server of the variable-length benchmark: Fastify over one text encoder (bench/encoder.ts),
// five routes that differ only in how requests are batched. A request names its text's length;
// the server makes that many token vectors. Latency is also measured here (bench-server.ts),
// so a starving load generator cannot decide the result. Run as a child process by
// lengths.ts; it exits when its parent goes.
import Fastify from 'fastify';
import { batched, type BatchedFunction, type BatchedOptions } from '../src/index.js';
import { listenLocally, serveAsChild, serveStats } from './bench-server.js';
import { Encoder, tokens } from './encoder.js';

export const MAX_BATCH_SIZE = 32;
export const DELAY_MS = 5;
/** Batches at once: onnxruntime runs each on a thread of its own, and the machine has 2 cores. */
export const CONCURRENCY = 2;
/** The token budget of a batch, for the routes that count cost. */
export const MAX_BATCH_TOKENS = 8_192;

/** The power of two a length pads to in its bucket: 8, 16, …, 512. */
export const bucketOf = (length: number): number => 2 ** Math.ceil(Math.log2(Math.max(length, 1)));

/** How each batched route groups requests (all with delay 5 ms, at most 32 items, 2 batches at once). */
export const POLICIES: Record<string, BatchedOptions<number, Float32Array>> = {
  count: {},
  cost: { cost: (length) => length, maxBatchCost: MAX_BATCH_TOKENS },
  buckets: { partitionBy: bucketOf },
  both: { partitionBy: bucketOf, cost: bucketOf, maxBatchCost: MAX_BATCH_TOKENS },
};

export async function startServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const encoder = await Encoder.load();
  const encodeLengths = (lengths: number[]) => encoder.encode(lengths.map((length, i) => tokens(length, i + 1)));
  const routes = new Map<string, (length: number) => Promise<Float32Array>>();
  const batchers: Record<string, BatchedFunction<number, Float32Array>> = {};
  routes.set('unbatched', async (length) => (await encodeLengths([length]))[0]!);
  for (const [name, policy] of Object.entries(POLICIES)) {
    batchers[name] = batched(encodeLengths, {
      delay: DELAY_MS,
      maxBatchSize: MAX_BATCH_SIZE,
      concurrency: CONCURRENCY,
      ...policy,
    });
    routes.set(name, batchers[name]);
  }

  const app = Fastify({ logger: false });
  serveStats(app, () => Object.fromEntries(Object.entries(batchers).map(([name, fn]) => [name, fn.stats()])));
  for (const [name, encode] of routes) {
    app.post<{ Body: { length: number } }>(`/${name}`, async (request) => {
      const y = await encode(request.body.length);
      return { y: Array.from(y) };
    });
  }

  const port = await listenLocally(app);
  return {
    port,
    close: async () => {
      await app.close();
      await Promise.all(Object.values(batchers).map((fn) => fn.close()));
      await encoder.release();
    },
  };
}

if (require.main === module) serveAsChild(startServer);
