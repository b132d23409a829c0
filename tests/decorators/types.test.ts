import { expectTypeOf } from 'expect-type';
import {
  Batched,
  batched,
  type Batch,
  type BatchContext,
  type BatchResults,
  type CallOptions,
} from '../../src/index.js';

// contract §1.1: the documented pattern gives typed call sites, in both decorator systems.
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
  async classify<B extends Features[]>(batch: B, context?: BatchContext): BatchResults<Prediction> {
    void context?.signal;
    // Inside the body the batch is an array of inputs, and only that.
    const inputs: Features[] = batch;
    void inputs;
    // @ts-expect-error: an item's own members are not offered on the batch
    void batch.pixels;
    // An Error in a result slot type-checks: it rejects that caller only.
    return batch.map((f) => (f.pixels.length > 0 ? { label: 'cat', score: f.pixels.length } : new Error('empty')));
  }

  embed(row: number[], call?: CallOptions): Promise<number>;
  @Batched({ delay: 0 })
  async embed<B extends number[][]>(rows: B): BatchResults<number> {
    const first: number[] | undefined = rows[0];
    // @ts-expect-error: an element of the batch is a row, not a number
    const notANumber: number | undefined = first;
    void notANumber;
    return rows.map((row) => row.length);
  }

  /** The deprecated `Batch<I>` still compiles, for code written against it. */
  legacy(input: string): Promise<number>;
  @Batched({ delay: 0 })
  async legacy(batch: Batch<string>): BatchResults<number> {
    return batch.map((s) => s.length);
  }
}

test('a call site is typed as the output, with no cast', async () => {
  const model = new Classifier();
  const prediction = await model.classify({ pixels: new Float32Array(3) });
  expectTypeOf(prediction).toEqualTypeOf<Prediction>();
  expectTypeOf(model.classify).parameter(0).toEqualTypeOf<Features>();
  expectTypeOf(model.classify).parameter(1).toEqualTypeOf<CallOptions | undefined>();
  expect(prediction).toEqual({ label: 'cat', score: 3 });
  expectTypeOf(model.embed).parameter(0).toEqualTypeOf<number[]>();
  expectTypeOf(model.embed).returns.toEqualTypeOf<Promise<number>>();
  expect(await model.embed([1, 2])).toBe(2);
  expect(await model.legacy('four')).toBe(4);
  await expect(model.classify({ pixels: new Float32Array(0) })).rejects.toThrow('empty');
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
    // @ts-expect-error: a row of numbers, not a number
    () => model.embed(3),
    // @ts-expect-error: one row, not a batch of rows
    () => model.embed([[1, 2]]),
  ];
  expect(misuse).toHaveLength(5);
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

test('key, cache and the cache controls are typed by the item and the result', () => {
  const users = batched(async (ids: number[]) => ids.map((id) => ({ id })), { key: (id) => id, cache: new Map() });
  expectTypeOf(users.prime(1, { id: 1 })).toEqualTypeOf<typeof users>();
  expectTypeOf(users.clear(1)).toEqualTypeOf<typeof users>();
  expectTypeOf(users.clearAll()).toEqualTypeOf<typeof users>();
  const misuse = [
    // @ts-expect-error: a primed value is a result
    () => users.prime(2, 'two'),
    // @ts-expect-error: `key` takes an item
    () => batched(async (ids: number[]) => ids, { key: (id: string) => id }),
    // @ts-expect-error: a cache needs get, set and delete
    () => batched(async (ids: number[]) => ids, { cache: { get: () => undefined } }),
  ];
  expect(misuse).toHaveLength(3);
});
