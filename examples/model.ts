// The model every server example serves: a small classifier (4 features in, 3 scores out)
// run by onnxruntime-node. bench/model.ts builds the ONNX graph in code so that nothing is
// downloaded; yours would be `ort.InferenceSession.create('model.onnx')`.
import { Batched, type BatchedOptions, type BatchResults, type CallOptions } from 'batched-fn';
import { Mlp, type MlpShape } from '../bench/model.js';

export const CLASSIFIER_SHAPE: MlpShape = { inputSize: 4, hiddenSize: 64, hiddenLayers: 2, outputSize: 3 };

/** A request body's features: exactly four finite numbers. Anything else never reaches the model. */
export function isFeatureVector(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length === CLASSIFIER_SHAPE.inputSize &&
    value.every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

/**
 * How every example batches the classifier. A bad vector rejects with TypeError; past 1,000
 * waiting inputs a call is refused at once (QueueFullError); a call not answered within 2 s,
 * queue and model included, rejects with TimeoutError, and one predicted not to make it is
 * refused at once (OverloadedError, `shed`) instead of queueing for nothing.
 */
export const CLASSIFIER_BATCHING: BatchedOptions<number[], number[]> = {
  delay: 5,
  maxBatchSize: 32,
  maxQueueSize: 1_000,
  timeout: 2_000,
  shed: true,
  input: isFeatureVector,
};

/** One forward pass over a batch of feature vectors: one row of scores per vector, in order. */
export async function classify(mlp: Mlp, batch: readonly number[][]): Promise<number[][]> {
  const scores = await mlp.run(batch.map((features) => Float32Array.from(features)));
  return scores.map((row) => Array.from(row));
}

export class Classifier {
  constructor(private readonly mlp: Mlp) {}

  static async load(): Promise<Classifier> {
    return new Classifier(await Mlp.load(CLASSIFIER_SHAPE));
  }

  // Callers pass one feature vector and get its three scores.
  predict(features: number[], call?: CallOptions): Promise<number[]>;
  @Batched(CLASSIFIER_BATCHING)
  async predict<B extends number[][]>(batch: B): BatchResults<number[]> {
    return classify(this.mlp, batch);
  }

  release(): Promise<void> {
    return this.mlp.release();
  }
}
