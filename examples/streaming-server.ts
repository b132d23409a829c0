// A Fastify server that streams generated tokens as server-sent events: POST /generate
// {"prompt":"...","maxTokens":64} answers `data: <token>` events, then `event: end`. The
// sequences of concurrent requests share each model step (examples/text-generator.ts), a
// request that arrives mid-generation joins at the next step, and a client that hangs up stops
// being computed at the next step.
// Run it: npm run example:streaming (MODEL_DELAY_MS=100 slows every step, to watch), then
//   curl -N localhost:3000/generate -H 'content-type: application/json' -d '{"prompt":"Once","maxTokens":20}'
//   curl -s localhost:3000/stats
import Fastify, { type FastifyInstance } from 'fastify';
import { batcherOf, type BatchedOptions } from 'batched-fn';
import { numberFromEnv, portFromEnv } from './env.js';
import { errorBody, statusFor } from './http-errors.js';
import { closeOnSignal } from './shutdown.js';
import { GENERATION_BATCHING, type GenerateRequest, TextGenerator, UNBATCHED } from './text-generator.js';

export function buildApp(generator: TextGenerator): FastifyInstance {
  const app = Fastify();
  app.post<{ Body: GenerateRequest }>('/generate', async (request, reply) => {
    // The client hanging up aborts its call: its sequence is not computed from the next step on.
    const hangUp = new AbortController();
    reply.raw.once('close', () => hangUp.abort(new Error('the client closed the connection')));
    const tokens = generator.generate(request.body, { signal: hangUp.signal })[Symbol.asyncIterator]();
    let first: IteratorResult<string>;
    try {
      first = await tokens.next(); // a bad request, a full queue, no first token in time: an HTTP error
    } catch (error) {
      return reply.code(statusFor(error)).send(errorBody(error));
    }
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    try {
      for (let next = first; next.done !== true; next = await tokens.next()) {
        reply.raw.write(`data: ${next.value}\n\n`);
      }
      reply.raw.end('event: end\ndata:\n\n');
    } catch (error) {
      reply.raw.end(`event: error\ndata: ${JSON.stringify(errorBody(error))}\n\n`);
    }
  });
  app.get('/stats', async () => ({
    ...batcherOf(generator, 'generate').stats(),
    steps: generator.steps,
    rowsComputed: generator.model.rowsComputed,
  }));
  return app;
}

/** BATCHING=unbatched serves one model run per request (for bench:stream); NO_JOIN=1 turns `join` off. */
function batchingFromEnv(): BatchedOptions<GenerateRequest, string> | undefined {
  if (process.env.BATCHING === 'unbatched') return UNBATCHED;
  if (process.env.NO_JOIN === '1') return { ...GENERATION_BATCHING, join: false };
  return undefined;
}

async function main(): Promise<void> {
  const stepDelayMs = numberFromEnv('MODEL_DELAY_MS', 0, 'a number of ms >= 0', (ms) => ms >= 0);
  const generator = await TextGenerator.load(batchingFromEnv(), stepDelayMs);
  const app = buildApp(generator);
  const url = await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  console.log(`listening on ${url}`);
  closeOnSignal(async () => {
    await app.close();
    await batcherOf(generator, 'generate').close();
    await generator.release();
  });
}

if (require.main === module) void main();
