// A model class decorated with @Batched, called from a controller-like function, one input
// per request. Run it: npm run example:basic
import { Batched, batcherOf, type BatchResults, type CallOptions } from 'batched-fn';

interface Review {
  text: string;
}
interface Sentiment {
  label: 'positive' | 'negative';
  score: number;
}

/** Stands in for a real model: one "forward pass" costs 20 ms whatever the batch size. */
export class SentimentModel {
  forwardPasses = 0;

  predict(review: Review, call?: CallOptions): Promise<Sentiment>;
  @Batched({ delay: 10, maxBatchSize: 16 })
  async predict<B extends Review[]>(batch: B): BatchResults<Sentiment> {
    this.forwardPasses++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return batch.map(({ text }) => {
      const score = /great|love|good/i.test(text) ? 0.9 : 0.2;
      return { label: score > 0.5 ? 'positive' : 'negative', score };
    });
  }
}

/** What a route handler does: one review in, one answer out. */
export async function reviewController(model: SentimentModel, body: { text: string }) {
  const sentiment = await model.predict({ text: body.text }, { timeout: 1_000 });
  return { status: 200, body: sentiment };
}

async function main(): Promise<void> {
  const model = new SentimentModel();
  const requests = ['I love it', 'great value', 'broke in a day', 'good enough', 'meh'].map((text) =>
    reviewController(model, { text }),
  );
  for (const response of await Promise.all(requests)) console.log(JSON.stringify(response));
  const stats = batcherOf(model, 'predict').stats();
  console.log(
    `${requests.length} requests, ${model.forwardPasses} forward pass(es), mean batch size ${stats.meanBatchSize}`,
  );
}

if (require.main === module) void main();
