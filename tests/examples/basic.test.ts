import { SentimentModel, reviewController } from '../../examples/basic.js';
import { batcherOf } from '../../src/index.js';

// examples/basic.ts: concurrent controller calls share one forward pass.
test('the basic example answers each request and batches them', async () => {
  jest.useFakeTimers();
  const model = new SentimentModel();
  const responses = Promise.all(['I love it', 'meh'].map((text) => reviewController(model, { text })));
  await jest.advanceTimersByTimeAsync(30);
  expect(await responses).toEqual([
    { status: 200, body: { label: 'positive', score: 0.9 } },
    { status: 200, body: { label: 'negative', score: 0.2 } },
  ]);
  expect(model.forwardPasses).toBe(1);
  expect(batcherOf(model, 'predict').stats().batchSizes).toEqual({ 2: 1 });
  jest.useRealTimers();
});
