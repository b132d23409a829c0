import { expectTypeOf } from 'expect-type';
import { Batched, batcherOf, END, type BatchStream, type CallOptions, type StreamContext } from '../../src/index.js';
import { reader } from '../support/stepper.js';

// contract §12 where the decorator matters, under whichever decorator system this jest project
// compiles with: a native `async *` method streams with no option, `this` is the instance, the
// per-item overload types the call site, and batcherOf finds its batcher.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

class Generator {
  readonly seen: string[][] = [];
  constructor(readonly steps = 3) {}

  generate(prompt: string, call?: CallOptions): AsyncIterable<string>;
  @Batched({ delay: 0, maxBatchSize: 4 })
  async *generate<B extends string[]>(prompts: B, { signals }: StreamContext): BatchStream<string> {
    this.seen.push([...prompts]);
    for (let step = 0; step < this.steps; step++) {
      yield prompts.map((prompt, i) => (signals[i]!.aborted ? END : `${prompt}:${step}`));
    }
  }
}

test('a native async * method streams each caller its own chunks, with `this` the instance', async () => {
  const model = new Generator(2);
  const a = reader(model.generate('a'));
  const b = reader(model.generate('b'));
  await jest.advanceTimersByTimeAsync(0);
  await batcherOf(model, 'generate').drain();
  expect(model.seen).toEqual([['a', 'b']]);
  expect([a.chunks, b.chunks]).toEqual([
    ['a:0', 'a:1'],
    ['b:0', 'b:1'],
  ]);
  expect(batcherOf(model, 'generate').stats()).toMatchObject({ batches: 1, resolved: 2, joined: 0 });
});

test('the call site is typed by the overload; the body by BatchStream', () => {
  const model = new Generator();
  expectTypeOf(model.generate('x')).toEqualTypeOf<AsyncIterable<string>>();
  const misuse = [
    // @ts-expect-error: a prompt is a string
    () => model.generate(42),
    // @ts-expect-error: one prompt, not a batch
    () => model.generate(['a', 'b']),
  ];
  expect(misuse).toHaveLength(2);
  class Wrong {
    generate(prompt: string): AsyncIterable<string>;
    @Batched()
    async *generate<B extends string[]>(prompts: B): BatchStream<string> {
      // @ts-expect-error: a step holds strings (or END, SKIP, an Error), not numbers
      yield prompts.map(() => 1);
    }
  }
  expect(typeof Wrong).toBe('function');
});

test('join on a method that does not stream is an option error naming it', () => {
  const decorate = () => {
    class Bad {
      @Batched({ join: true })
      async predict(items: number[]) {
        return items;
      }
    }
    return Bad;
  };
  expect(decorate).toThrow(/predict: Expected `join` only on a streaming method/);
});

test('a streaming method called without an instance gives a stream that throws the TypeError at its first read', async () => {
  const { generate } = new Generator();
  const read = async () => {
    for await (const token of generate('a')) void token;
  };
  await expect(read()).rejects.toThrow(
    /Generator\.generate was called without an instance|generate was called without an instance/,
  );
});
