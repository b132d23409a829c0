import { Batched, batched, batcherOf } from '../src/index.js';
import { expectOptionError, thrownBy } from './support/option-errors.js';

// Every misuse gets a TypeError whose message says what was wrong, word for word.

describe('bad options are a TypeError at decoration time', () => {
  test.each([
    [{ maxBatchSize: 0 }, 'Expected `maxBatchSize` to be an integer >= 1, got `0` (number)'],
    [{ maxBatchSize: 2.5 }, 'Expected `maxBatchSize` to be an integer >= 1, got `2.5` (number)'],
    [{ maxBatchSize: '8' }, 'Expected `maxBatchSize` to be an integer >= 1, got `"8"` (string)'],
    [{ delay: -1 }, "Expected `delay` to be a number of ms >= 0 and <= 2147483647, or 'auto', got `-1` (number)"],
    [{ delay: NaN }, "Expected `delay` to be a number of ms >= 0 and <= 2147483647, or 'auto', got `NaN` (number)"],
    [
      { delay: 'fast' },
      'Expected `delay` to be a number of ms >= 0 and <= 2147483647, or \'auto\', got `"fast"` (string)',
    ],
    [{ concurrency: 0 }, 'Expected `concurrency` to be an integer >= 1, got `0` (number)'],
    [{ maxQueueSize: -1 }, 'Expected `maxQueueSize` to be an integer >= 1 or Infinity, got `-1` (number)'],
    [
      { timeout: 0 },
      'Expected `timeout` to be a number of ms > 0 and <= 2147483647, or Infinity for none, got `0` (number)',
    ],
    [
      { batchTimeout: null },
      'Expected `batchTimeout` to be a number of ms > 0 and <= 2147483647, or Infinity for none, got `null` (null)',
    ],
    [
      { input: 'number' },
      'Expected `input` to be a class, a built-in constructor or a predicate function, got `"number"` (string)',
    ],
    [
      { output: {} },
      'Expected `output` to be a class, a built-in constructor or a predicate function, got `[object Object]` (object)',
    ],
    [{ onBatch: true }, 'Expected `onBatch` to be a function, got `true` (boolean)'],
    [
      { maxbatchsize: 4 },
      'Unknown option `maxbatchsize`. Did you mean `maxBatchSize`? Known options: delay, maxBatchSize, concurrency, maxQueueSize, timeout, batchTimeout, input, output, onBatch, cost, maxBatchCost, partitionBy, shed, key, cache, stream, join',
    ],
    [
      { dealy: 4 },
      'Unknown option `dealy`. Did you mean `delay`? Known options: delay, maxBatchSize, concurrency, maxQueueSize, timeout, batchTimeout, input, output, onBatch, cost, maxBatchCost, partitionBy, shed, key, cache, stream, join',
    ],
    [
      { gpu: true },
      'Unknown option `gpu`. Known options: delay, maxBatchSize, concurrency, maxQueueSize, timeout, batchTimeout, input, output, onBatch, cost, maxBatchCost, partitionBy, shed, key, cache, stream, join',
    ],
    [null, 'Expected options to be an object, got `null` (null)'],
    [[4], 'Expected options to be an object, got `[array of 1]` (array)'],
  ])('%j', (options, message) => expectOptionError(options, message));

  test('a getter that throws inside options', () => {
    const options = {
      get delay(): number {
        throw new Error('env var DELAY is not set');
      },
    };
    expectOptionError(options, 'Could not read option `delay`: env var DELAY is not set');
    const error = thrownBy(() => batched(async (xs: number[]) => xs, options));
    expect((error.cause as Error).message).toBe('env var DELAY is not set');
  });

  test('configure() validates the same way and keeps the old options', () => {
    const fn = batched(async (xs: number[]) => xs, { delay: 5 });
    expect(() => fn.configure({ maxBatchSize: -3 })).toThrow(
      new TypeError('batched function: Expected `maxBatchSize` to be an integer >= 1, got `-3` (number)'),
    );
  });
});

describe('decorating something that is not a method', () => {
  const noop = () => undefined;
  test.each([
    [
      'a standard field',
      () => Batched()(undefined as never, { kind: 'field', name: 'weights' } as never),
      '`weights` is a field',
    ],
    [
      'a standard accessor field',
      () => Batched()(undefined as never, { kind: 'accessor', name: 'weights' } as never),
      '`weights` is an accessor',
    ],
    [
      'a standard getter',
      () => Batched()(noop as never, { kind: 'getter', name: 'size' } as never),
      '`size` is a getter',
    ],
    [
      'a standard class',
      () => Batched()(class Model {} as never, { kind: 'class', name: 'Model' } as never),
      '`Model` is a class',
    ],
    [
      'a legacy property',
      () => Batched()(new (class Model {})(), 'weights', undefined as never),
      '`Model.weights` is a property',
    ],
    [
      'a legacy accessor',
      () => Batched()(new (class Model {})(), 'size', { get: noop }),
      '`Model.size` is an accessor',
    ],
  ])('%s', (_, decorate, what) => {
    expect(decorate).toThrow(new TypeError(`@Batched() can only decorate a method, but ${what}`));
  });
});

test('batched() needs a function', () => {
  expect(() => batched('predict' as never)).toThrow(
    new TypeError('Expected the batch function to be a function, got `"predict"` (string)'),
  );
});

test('an options function that returns bad options names the method', async () => {
  class Model {
    @Batched(() => ({ maxBatchSize: 0 }))
    async predict(batch: number[]): Promise<number[]> {
      return batch;
    }
  }
  const predict = new Model().predict as unknown as (x: number) => Promise<number>;
  const error = await predict.call(new Model(), 1).catch((e: Error) => e);
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toBe(
    'Model.predict: the options function returned bad options: Expected `maxBatchSize` to be an integer >= 1, got `0` (number)',
  );
});

test('a per-item method called without its instance', async () => {
  class Model {
    @Batched()
    async predict(batch: number[]): Promise<number[]> {
      return batch;
    }
  }
  const unbound = new Model().predict as unknown as (x: number) => Promise<number>;
  await expect(unbound(1)).rejects.toThrow(
    new TypeError(
      'Model.predict was called without an instance (`this` is `undefined` (undefined)); call it as instance.predict(item), or bind it',
    ),
  );
});

describe('bad call options reject that call only', () => {
  const fn = batched(async (xs: number[]) => xs, { delay: 0, maxBatchSize: 1 });
  test.each([
    ['a string', 'fast', 'Expected call options to be an object, got `"fast"` (string)'],
    ['a bad signal', { signal: {} }, 'Expected `signal` to be an AbortSignal, got `[object Object]` (object)'],
    [
      'a bad timeout',
      { timeout: -5 },
      'Expected `timeout` to be a number of ms > 0 and <= 2147483647, or Infinity for none, got `-5` (number)',
    ],
  ])('%s', async (_, call, message) => {
    await expect(fn(1, call as never)).rejects.toThrow(new TypeError(`batched function: ${message}`));
    await expect(fn(2)).resolves.toBe(2);
  });
});

test('batcherOf on something that is not a @Batched method', () => {
  class Plain {
    predict(): void {}
  }
  expect(() => batcherOf(new Plain(), 'predict')).toThrow(
    new TypeError('Expected `predict` to be a @Batched method of `[object Plain]` (object)'),
  );
});
