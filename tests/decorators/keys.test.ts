import { Batched, batcherOf, type BatchResults, type CallOptions } from '../../src/index.js';
import { track } from '../support/recorder.js';

// contract §11 where the decorator matters, under whichever decorator system this jest project
// compiles with: `cache: true` is a map per instance, the controls come from batcherOf.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

class Users {
  readonly queries: number[][] = [];
  constructor(readonly shared?: Map<unknown, unknown>) {}

  load(id: number, call?: CallOptions): Promise<string>;
  @Batched({ delay: 5, key: (id: number) => id, cache: true })
  async load<B extends number[]>(ids: B): BatchResults<string> {
    this.queries.push([...ids]);
    return ids.map((id) => `user ${id}`);
  }

  loadShared(id: number): Promise<string>;
  @Batched((self: Users) => ({ delay: 5, cache: self.shared }))
  async loadShared<B extends number[]>(ids: B): BatchResults<string> {
    this.queries.push([...ids]);
    return ids.map((id) => `user ${id}`);
  }
}

test('with `cache: true` each instance keeps its own results; equal keys share a slot', async () => {
  const a = new Users();
  const b = new Users();
  const first = [a.load(1), a.load(1), b.load(1)].map(track);
  await jest.advanceTimersByTimeAsync(5);
  expect(first.map((c) => c.value)).toEqual(['user 1', 'user 1', 'user 1']);
  expect([a.queries, b.queries]).toEqual([[[1]], [[1]]]);
  await expect(a.load(1)).resolves.toBe('user 1');
  expect(a.queries).toHaveLength(1);
  expect(batcherOf(a, 'load').stats()).toMatchObject({ cacheHits: 2, items: 1, resolved: 3 });
});

test('prime, clear and clearAll through batcherOf return the batcher’s controls', async () => {
  const users = new Users();
  const controls = batcherOf(users, 'load');
  expect(controls.prime(7, 'primed')).toBe(controls);
  await expect(users.load(7)).resolves.toBe('primed');
  expect(controls.clear(7)).toBe(controls);
  const computed = track(users.load(7));
  await jest.advanceTimersByTimeAsync(5);
  expect(computed.value).toBe('user 7');
  expect(controls.clearAll()).toBe(controls);
  expect(users.queries).toEqual([[7]]);
});

test('a map from the instance (options as a function of it) is the cache', async () => {
  const map = new Map<unknown, unknown>();
  const users = new Users(map);
  await Promise.all([users.loadShared(3), jest.advanceTimersByTimeAsync(5)]);
  expect([...map.keys()]).toEqual([3]);
  await expect(users.loadShared(3)).resolves.toBe('user 3');
  expect(users.queries).toEqual([[3]]);
});

test('a cache of the wrong type is an option error naming the method', () => {
  const decorate = () => {
    class Bad {
      @Batched({ cache: { get() {}, set() {} } as never })
      async load(ids: number[]) {
        return ids;
      }
    }
    return Bad;
  };
  expect(decorate).toThrow(TypeError);
  expect(decorate).toThrow(/load: Expected `cache` to be a map with get, set and delete \(it has no delete method\)/);
});
