import { expectTypeOf } from 'expect-type';
import {
  Batched,
  batched,
  type Batch,
  type BatchContext,
  type BatchResults,
  type CallOptions,
} from '../../src/index.js';

// SPEC §1.1: the documented pattern gives typed call sites, in both decorator systems.
// These lines are checked by `npm run typecheck` (tsconfig.json and tsconfig.standard.json);
// an `@ts-expect-error` that stops being an error fails that check.

interface Features {
  pixels: Float32Array;
}
interface Prediction {
  label: string;
  score: number;
}

class Classifier {
  classify(input: Features, call?: CallOptions): Promise<Prediction>;
  @Batched({ delay: 0 })
  async classify(batch: Batch<Features>, context?: BatchContext): BatchResults<Prediction> {
    void context?.signal;
    return batch.map((f) => ({ label: 'cat', score: f.pixels.length }));
  }
}

test('a call site is typed as the output, with no cast', async () => {
  const model = new Classifier();
  const prediction = await model.classify({ pixels: new Float32Array(3) });
  expectTypeOf(prediction).toEqualTypeOf<Prediction>();
  expectTypeOf(model.classify).parameter(0).toEqualTypeOf<Features>();
  expectTypeOf(model.classify).parameter(1).toEqualTypeOf<CallOptions | undefined>();
  expect(prediction).toEqual({ label: 'cat', score: 3 });
});

test('a wrong input, a batch, or a wrong call option does not compile', async () => {
  const model = new Classifier();
  const misuse = [
    // @ts-expect-error: a string is not Features
    () => model.classify('cat.png'),
    // @ts-expect-error: the batch signature is not callable from outside
    () => model.classify([{ pixels: new Float32Array(1) }]),
    // @ts-expect-error: `timeout` is a number
    () => model.classify({ pixels: new Float32Array(1) }, { timeout: '5s' }),
  ];
  expect(misuse).toHaveLength(3);
  // @ts-expect-error: the result is a Prediction, not a string
  const wrong: string = await model.classify({ pixels: new Float32Array(1) });
  expect(typeof wrong).toBe('object');
});

test('the function form infers the item and result types', async () => {
  const lengths = batched(async (words: string[]) => words.map((w) => w.length), { delay: 0 });
  expectTypeOf(lengths).parameter(0).toEqualTypeOf<string>();
  expectTypeOf(lengths).returns.toEqualTypeOf<Promise<number>>();
  // @ts-expect-error: numbers are not strings
  const misuse = () => lengths(42);
  expect(typeof misuse).toBe('function');
  expect(await lengths('four')).toBe(4);
});

test('a function form with Error slots still infers the result type', () => {
  const users = batched(async (ids: number[]) => ids.map((id) => (id > 0 ? { id } : new Error('bad id'))));
  expectTypeOf(users).returns.toEqualTypeOf<Promise<{ id: number }>>();
});
