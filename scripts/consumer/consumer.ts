// Compiled by scripts/check-consumer.sh against the packed tarball, once with legacy
// decorators (+ emitDecoratorMetadata) and once with standard decorators, per TypeScript version.
import { Batched, batcherOf, QueueFullError, type BatchResults, type CallOptions } from 'batched-fn';

class Model {
  predict(input: number, call?: CallOptions): Promise<string>;
  @Batched({ delay: 5, maxBatchSize: 4 })
  async predict<B extends number[]>(batch: B): BatchResults<string> {
    return batch.map((x) => `y${x}`);
  }
}

async function main(): Promise<void> {
  const model = new Model();
  const answers: string[] = await Promise.all([1, 2, 3].map((x) => model.predict(x)));
  const { batches } = batcherOf(model, 'predict').stats();
  // `undefined` removes an option, also under exactOptionalPropertyTypes (compiled with it once).
  batcherOf(model, 'predict').configure({ timeout: undefined, input: undefined });
  console.log(`${answers.join(',')} in ${batches} batch; QueueFullError is ${typeof QueueFullError}`);
}

void main();
