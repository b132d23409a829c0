import {
  Batched,
  BatcherClosedError,
  batcherOf,
  closeBatchers,
  getBatchedOptions,
  type BatchResults,
  type CallOptions,
} from '../../src/index.js';
import { flushMicrotasks, track } from '../support/recorder.js';

// contract §1, under whichever decorator system this jest project compiles with.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

class Model {
  readonly batches: number[][] = [];
  constructor(readonly scale = 1) {}

  predict(input: number, call?: CallOptions): Promise<number>;
  @Batched({ delay: 10, maxBatchSize: 4 })
  async predict<B extends number[]>(batch: B): BatchResults<number> {
    this.batches.push([...batch]);
    return batch.map((x) => x * this.scale);
  }

  label(input: number): Promise<string>;
  @Batched({ delay: 10 })
  async label<B extends number[]>(batch: B): BatchResults<string> {
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
  // The parent's batcher is found through the prototype chain, so it can be read and closed.
  expect(batcherOf(model, 'predict').stats()).toMatchObject({ batches: 1, items: 2 });
  expect(getBatchedOptions(Tuned.prototype, 'predict')).toEqual({ delay: 10, maxBatchSize: 4 });
  await batcherOf(model, 'predict').close();
  await expect(model.predict(3)).rejects.toThrow('Tuned.predict is closed and takes no new calls');
});

describe('closeBatchers(instance)', () => {
  test('closes every batcher of the instance: queued calls run, new calls are refused', async () => {
    const model = new Model();
    const queued = [track(model.predict(1)), track(model.label(2))];
    const closed = track(closeBatchers(model));
    await flushMicrotasks();
    expect(model.batches).toEqual([[1]]); // dispatched at once, without waiting for the delay
    await flushMicrotasks();
    expect(closed.status).toBe('resolved');
    expect(queued.map((r) => r.value)).toEqual([1, '#2']);
    await expect(model.predict(3)).rejects.toBeInstanceOf(BatcherClosedError);
    await expect(model.label(3)).rejects.toBeInstanceOf(BatcherClosedError);
  });

  test('leaves other instances open, and finds methods declared by a parent class', async () => {
    class Child extends Model {}
    const closedOne = new Child();
    const open = new Child();
    await closeBatchers(closedOne);
    await expect(closedOne.label(1)).rejects.toBeInstanceOf(BatcherClosedError);
    const answer = track(open.label(1));
    await jest.advanceTimersByTimeAsync(10);
    expect(answer.value).toBe('#1');
  });

  test('waits for a batch method still running', async () => {
    let finish: () => void = () => undefined;
    class Slow {
      run(input: number): Promise<number>;
      @Batched({ delay: 0 })
      async run<B extends number[]>(batch: B): BatchResults<number> {
        await new Promise<void>((resolve) => (finish = resolve));
        return batch;
      }
    }
    const slow = new Slow();
    const call = track(slow.run(1));
    await jest.advanceTimersByTimeAsync(0);
    const closed = track(closeBatchers(slow));
    await flushMicrotasks();
    expect(closed.status).toBe('pending');
    finish();
    await flushMicrotasks();
    expect(call.value).toBe(1);
    expect(closed.status).toBe('resolved');
  });

  test('an instance without decorated methods closes at once', async () => {
    await expect(closeBatchers(new (class Plain {})())).resolves.toBeUndefined();
  });
});

test('@Batched applied twice to one method is refused while decorating', () => {
  const define = () => {
    class Twice {
      @Batched({ delay: 5 })
      @Batched({ delay: 10 })
      async predict(batch: number[]): Promise<number[]> {
        return batch;
      }
    }
    return Twice;
  };
  // Standard decorators run before the class exists, so only the method can be named then.
  const name = process.env.DECORATORS === 'standard' ? 'predict' : 'Twice.predict';
  expect(define).toThrow(new TypeError(`@Batched() is applied twice to \`${name}\`; apply it once`));
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
    async run<B extends number[]>(batch: B): BatchResults<number> {
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
    async run<B extends number[]>(batch: B): BatchResults<number> {
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
    static async load<B extends number[]>(ids: B): BatchResults<string> {
      return ids.map((id) => `${this.name}:${id}`);
    }
  }
  const results = [track(Users.load(1)), track(Users.load(2))];
  await jest.advanceTimersByTimeAsync(0);
  expect(results.map((r) => r.value)).toEqual(['Users:1', 'Users:2']);
  expect(batcherOf(Users, 'load').stats().batches).toBe(1);
});

test('messages name a symbol-keyed method as Model[Symbol(name)]', async () => {
  const embed = Symbol('embed');
  class Model {
    @Batched({ delay: 0 })
    async [embed](batch: number[]): Promise<number[]> {
      return batch.slice(1);
    }
  }
  const model = new Model() as unknown as Record<symbol, (x: number) => Promise<number>>;
  const result = track(model[embed]!(1));
  await jest.advanceTimersByTimeAsync(0);
  expect((result.reason as Error).message).toBe(
    'Model[Symbol(embed)] returned an array of length 0 for a batch of 1 item; expected an array with one result per item, in order',
  );
});

test('a method called without an instance is named with its class', async () => {
  class Model {
    @Batched()
    async predict(batch: number[]): Promise<number[]> {
      return batch;
    }
  }
  new Model(); // under standard decorators the class is learnt from its first instance
  const unbound = Model.prototype.predict as unknown as (x: number) => Promise<number>;
  await expect(unbound(1)).rejects.toThrow(/^Model\.predict was called without an instance/);
});

test('errors name the class and the method', async () => {
  class Broken {
    run(input: number): Promise<number>;
    @Batched({ delay: 0 })
    async run<B extends number[]>(batch: B): BatchResults<number> {
      return batch.slice(1);
    }
  }
  const result = track(new Broken().run(1));
  await jest.advanceTimersByTimeAsync(0);
  expect((result.reason as Error).message).toBe(
    'Broken.run returned an array of length 0 for a batch of 1 item; expected an array with one result per item, in order',
  );
});
