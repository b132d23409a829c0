import {
  Batched,
  batcherOf,
  getBatchedOptions,
  type Batch,
  type BatchResults,
  type CallOptions,
} from '../../src/index.js';
import { flushMicrotasks, track } from '../support/recorder.js';

// SPEC §1, under whichever decorator system this jest project compiles with.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

class Model {
  readonly batches: number[][] = [];
  constructor(readonly scale = 1) {}

  predict(input: number, call?: CallOptions): Promise<number>;
  @Batched({ delay: 10, maxBatchSize: 4 })
  async predict(batch: Batch<number>): BatchResults<number> {
    this.batches.push([...batch]);
    return batch.map((x) => x * this.scale);
  }

  label(input: number): Promise<string>;
  @Batched({ delay: 10 })
  async label(batch: Batch<number>): BatchResults<string> {
    return batch.map((x) => `#${x}`);
  }
}

test('turns a batch method into a per-item method, with `this` the instance', async () => {
  const model = new Model(3);
  const results = [1, 2, 3].map((x) => track(model.predict(x)));
  await jest.advanceTimersByTimeAsync(10);
  expect(model.batches).toEqual([[1, 2, 3]]);
  expect(results.map((r) => r.value)).toEqual([3, 6, 9]);
});

test('two instances never share a batch', async () => {
  const a = new Model(1);
  const b = new Model(10);
  const results = [track(a.predict(1)), track(b.predict(1)), track(a.predict(2))];
  await jest.advanceTimersByTimeAsync(10);
  expect(a.batches).toEqual([[1, 2]]);
  expect(b.batches).toEqual([[1]]);
  expect(results.map((r) => r.value)).toEqual([1, 10, 2]);
});

test('two decorated methods of one instance never share a batch', async () => {
  const model = new Model();
  const results = [track(model.predict(1)), track(model.label(1))];
  await jest.advanceTimersByTimeAsync(10);
  expect(results.map((r) => r.value)).toEqual([1, '#1']);
  expect(batcherOf(model, 'predict').stats().batches).toBe(1);
  expect(batcherOf(model, 'label').stats().batches).toBe(1);
});

test('the batcher is created lazily, on the first call, once per instance', async () => {
  const model = new Model();
  expect(batcherOf(model, 'predict').stats().batches).toBe(0);
  void model.predict(1);
  void model.predict(2);
  await jest.advanceTimersByTimeAsync(10);
  expect(batcherOf(model, 'predict')).toBe(batcherOf(model, 'predict'));
  expect(batcherOf(model, 'predict').stats()).toMatchObject({ batches: 1, items: 2 });
});

test("a subclass that overrides the method and calls super gets the parent's batcher", async () => {
  class Tuned extends Model {
    override async predict(input: number): Promise<number> {
      return (await super.predict(input)) + 0.5;
    }
  }
  const model = new Tuned(2);
  const results = [track(model.predict(1)), track(model.predict(2))];
  await jest.advanceTimersByTimeAsync(10);
  await flushMicrotasks();
  expect(model.batches).toEqual([[1, 2]]);
  expect(results.map((r) => r.value)).toEqual([2.5, 4.5]);
});

test('options may be a function of the instance, evaluated once per instance', async () => {
  const seen: unknown[] = [];
  class Device {
    constructor(readonly gpu: boolean) {}
    run(input: number): Promise<number>;
    @Batched((self: Device) => {
      seen.push(self);
      return { delay: 5, maxBatchSize: self.gpu ? 8 : 2 };
    })
    async run(batch: Batch<number>): BatchResults<number> {
      return batch;
    }
  }
  const gpu = new Device(true);
  const cpu = new Device(false);
  for (let i = 0; i < 3; i++) void gpu.run(i);
  for (let i = 0; i < 3; i++) void cpu.run(i);
  await jest.advanceTimersByTimeAsync(5);
  expect(seen).toEqual([gpu, cpu]);
  expect(batcherOf(gpu, 'run').stats().batchSizes).toEqual({ 3: 1 });
  expect(batcherOf(cpu, 'run').stats().batchSizes).toEqual({ 2: 1, 1: 1 });
});

test('an options function that throws fails that call; the next call tries again', async () => {
  let fail = true;
  class Flaky {
    run(input: number): Promise<number>;
    @Batched(() => {
      if (fail) throw new Error('config not loaded');
      return { delay: 0 };
    })
    async run(batch: Batch<number>): BatchResults<number> {
      return batch;
    }
  }
  const flaky = new Flaky();
  await expect(flaky.run(1)).rejects.toThrow('Flaky.run: the options function threw: config not loaded');
  fail = false;
  const second = track(flaky.run(2));
  await jest.advanceTimersByTimeAsync(0);
  expect(second.value).toBe(2);
});

test('getBatchedOptions reads back the options of a decorated method', () => {
  expect(getBatchedOptions(Model.prototype, 'predict')).toEqual({ delay: 10, maxBatchSize: 4 });
  expect(getBatchedOptions(Model.prototype, 'label')).toEqual({ delay: 10 });
  expect(getBatchedOptions(Model.prototype, 'constructor')).toBeUndefined();
});

test('static methods can be batched, keyed on the class', async () => {
  class Users {
    static load(id: number): Promise<string>;
    @Batched({ delay: 0 })
    static async load(ids: Batch<number>): BatchResults<string> {
      return ids.map((id) => `${this.name}:${id}`);
    }
  }
  const results = [track(Users.load(1)), track(Users.load(2))];
  await jest.advanceTimersByTimeAsync(0);
  expect(results.map((r) => r.value)).toEqual(['Users:1', 'Users:2']);
  expect(batcherOf(Users, 'load').stats().batches).toBe(1);
});

test('errors name the class and the method', async () => {
  class Broken {
    run(input: number): Promise<number>;
    @Batched({ delay: 0 })
    async run(batch: Batch<number>): BatchResults<number> {
      return batch.slice(1);
    }
  }
  const result = track(new Broken().run(1));
  await jest.advanceTimersByTimeAsync(0);
  expect((result.reason as Error).message).toBe(
    'Broken.run returned an array of length 0 for a batch of 1 items; expected an array with one result per item, in order',
  );
});
