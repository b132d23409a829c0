import autocannon from 'autocannon';
import Fastify from 'fastify';
import { QueueFullError, batched } from '../src/index.js';

// Far past capacity, every HTTP request still gets an answer: 200, or 503 from
// QueueFullError. Nothing times out, nothing is left unanswered, nothing stays queued.
test('overload through HTTP: every request is answered with 200 or 503', async () => {
  const predict = batched(
    async (items: number[]) => {
      await new Promise((resolve) => setTimeout(resolve, 10)); // a slow model: ~400 items/s
      return items.map((x) => x * 2);
    },
    { delay: 2, maxBatchSize: 4, maxQueueSize: 8 },
  );
  const app = Fastify();
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof QueueFullError) return reply.code(503).send({ error: error.message });
    return reply.code(500).send({ error: String(error) });
  });
  app.get('/predict', async () => ({ y: await predict(21) }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  try {
    const statuses: number[] = [];
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/predict`,
      connections: 64,
      amount: 1_500,
      timeout: 10,
      setupClient: (client) => client.on('response', (status: number) => statuses.push(status)),
    });
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(statuses).toHaveLength(1_500);
    const counts = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    expect(Object.keys(counts).sort()).toEqual(['200', '503']); // both happened, nothing else
    await predict.drain();
    expect(predict.stats()).toMatchObject({ queued: 0, running: 0 });
    expect(predict.stats().resolved).toBe(counts[200]);
  } finally {
    await app.close();
  }
}, 30_000);
