// A streaming model: a recurrent token generator (bench/step-model.ts: an embedding, a GRU cell
// and greedy decoding, built in code and run by onnxruntime-node), one model run per step for
// every sequence of the batch. Each request asks for its own number of tokens; a caller who
// leaves (its client hung up) stops being computed at the next step (`signals[i]`), and with
// `join` a new request starts at the next step of the running batch instead of waiting for
// its longest sequence to finish.
import { Batched, END, type BatchedOptions, type BatchStream, type CallOptions, type StreamContext } from 'batched-fn';
import { type Sequence, StepModel } from '../bench/step-model.js';

export interface GenerateRequest {
  prompt: string;
  /** How many tokens to generate: 1 to MAX_TOKENS. */
  maxTokens: number;
}

export const MAX_TOKENS = 1_024;

/** A request body that can be served; anything else never reaches the model. */
export function isGenerateRequest(value: unknown): value is GenerateRequest {
  const request = value as Partial<GenerateRequest> | null;
  return (
    typeof request === 'object' &&
    request !== null &&
    typeof request.prompt === 'string' &&
    Number.isInteger(request.maxTokens) &&
    request.maxTokens! >= 1 &&
    request.maxTokens! <= MAX_TOKENS
  );
}

/** How the example batches: up to 64 sequences a step; `join` lets new requests in between steps. */
export const GENERATION_BATCHING: BatchedOptions<GenerateRequest, string> = {
  delay: 'auto',
  maxBatchSize: 64,
  join: true,
  timeout: 10_000, // on the first token
  input: isGenerateRequest,
};

/** One model run per request: the baseline a streaming benchmark compares with. */
export const UNBATCHED: BatchedOptions<GenerateRequest, string> = { delay: 0, maxBatchSize: 1, concurrency: 64 };

export class TextGenerator {
  /** Steps run, and the sequences they computed in all, for the mean open slots per step. */
  steps = 0;

  constructor(
    readonly model: StepModel,
    readonly batching: BatchedOptions<GenerateRequest, string> = GENERATION_BATCHING,
    /** A wait added to every step, to watch it (or test it) at a slower pace. */
    readonly stepDelayMs = 0,
  ) {}

  static async load(batching?: BatchedOptions<GenerateRequest, string>, stepDelayMs = 0): Promise<TextGenerator> {
    return new TextGenerator(await StepModel.load(), batching, stepDelayMs);
  }

  generate(request: GenerateRequest, call?: CallOptions): AsyncIterable<string>;
  @Batched((self: TextGenerator) => self.batching)
  async *generate<B extends GenerateRequest[]>(requests: B, { signals }: StreamContext): BatchStream<string> {
    const sequences: Sequence[] = [];
    const produced: number[] = [];
    for (;;) {
      // Requests that joined since the last step start now.
      while (sequences.length < requests.length) {
        sequences.push(this.model.start(requests[sequences.length]!.prompt));
        produced.push(0);
      }
      // Only the sequences still wanted: a caller who left is not computed.
      const live = requests.flatMap((request, i) =>
        signals[i]!.aborted || produced[i]! >= request.maxTokens ? [] : [i],
      );
      if (live.length === 0) {
        yield requests.map(() => END);
        return;
      }
      await this.model.step(live.map((i) => sequences[i]!));
      if (this.stepDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.stepDelayMs));
      this.steps++;
      const step: (string | typeof END)[] = requests.map(() => END);
      for (const i of live) {
        produced[i]!++;
        step[i] = StepModel.text(sequences[i]!.token);
      }
      yield step;
    }
  }

  release(): Promise<void> {
    return this.model.release();
  }
}
