import {
  BatchContractError,
  batched,
  BatchTimeoutError,
  OverloadedError,
  QueueFullError,
  TimeoutError,
  type BatchContext,
  type BatchEvent,
} from '../src/index.js';
import { flushMicrotasks, manualBatchFn, track } from './support/recorder.js';

// contract §11: one slot per key, and a cache.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

interface User {
  readonly id: number;
  readonly from: string;
}
const user = (id: number, from = 'a'): User => ({ id, from });
const byId = (item: User): number => item.id;

/** A batch method that records the items of each batch and answers `id * 10`, or an `Error` for a negative id. */
function lookup() {
  const batches: User[][] = [];
  const contexts: BatchContext[] = [];
  const fn = async (items: User[], context: BatchContext) => {
    batches.push([...items]);
    contexts.push(context);
    return items.map((item) => (item.id < 0 ? new Error(`no user ${item.id}`) : item.id * 10));
  };
  return { fn, batches, contexts };
}

describe('one slot per key', () => {
  test('calls with equal keys queued together share one slot: the method sees the first caller’s item once', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 10, key: byId });
    const first = user(1, 'first');
    const calls = [load(first), load(user(2)), load(user(1, 'second')), load(user(1, 'third'))].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([[first, user(2)]]);
    expect(batches[0]![0]).toBe(first);
    expect(calls.map((c) => c.value)).toEqual([10, 20, 10, 10]);
    expect(calls.every((c) => c.settles === 1)).toBe(true);
    const stats = load.stats();
    expect(stats).toMatchObject({ deduplicated: 2, cacheHits: 0, items: 2, resolved: 4, rejected: 0 });
  });

  test('keys are compared as Map keys: 1 and "1" are two slots, NaN is one', async () => {
    const fn = jest.fn(async (items: unknown[]) => items.map(String));
    const load = batched(fn, { delay: 10, key: (item: unknown) => item });
    const calls = [load(1), load('1'), load(NaN), load(NaN)].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(fn.mock.calls[0]![0]).toEqual([1, '1', NaN]);
    expect(calls.map((c) => c.value)).toEqual(['1', '1', 'NaN', 'NaN']);
  });

  test('an Error in a shared slot rejects every caller of it, and only them', async () => {
    const { fn } = lookup();
    const load = batched(fn, { delay: 10, key: byId });
    const calls = [load(user(-1)), load(user(2)), load(user(-1))].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(calls.map((c) => c.status)).toEqual(['rejected', 'resolved', 'rejected']);
    expect(calls[0]!.reason).toBe(calls[2]!.reason);
    expect(load.stats()).toMatchObject({ resolved: 1, rejected: 2 });
    expect(load.stats().rejectedBy.resultError).toBe(2);
  });

  test('a batch failure rejects every caller of every slot, each counted', async () => {
    const failure = new Error('database down');
    const load = batched(async (): Promise<number[]> => Promise.reject(failure), {
      delay: 10,
      key: byId,
    });
    const calls = [load(user(1)), load(user(1)), load(user(2))].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(calls.map((c) => c.reason)).toEqual([failure, failure, failure]);
    expect(load.stats().rejectedBy.batchError).toBe(3);
  });

  test('a call whose key equals that of a running batch starts a new slot', async () => {
    const { fn, batches, finish } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, key: byId });
    const first = track(load(user(1, 'first')));
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(1);
    const second = track(load(user(1, 'second')));
    const third = track(load(user(1, 'third')));
    await finish(0);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches.map((b) => b.items)).toEqual([[user(1, 'first')], [user(1, 'second')]]);
    await finish(1);
    expect([first.value, second.value, third.value]).toEqual([user(1, 'first'), user(1, 'second'), user(1, 'second')]);
    expect(load.stats().deduplicated).toBe(1);
  });

  test('equal keys in two partitions are two slots', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 10, key: byId, partitionBy: (item: User) => item.from });
    const calls = [load(user(1, 'a')), load(user(1, 'b')), load(user(1, 'a'))].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([[user(1, 'a')], [user(1, 'b')]]);
    expect(calls.map((c) => c.value)).toEqual([10, 10, 10]);
    expect(load.stats().deduplicated).toBe(1);
  });

  test('maxQueueSize and stats().queued count slots: a call joining a slot is never refused for a full queue', async () => {
    const { fn } = lookup();
    const load = batched(fn, { delay: 10, key: byId, maxQueueSize: 2 });
    const calls = [load(user(1)), load(user(2)), load(user(1)), load(user(2)), load(user(3))].map(track);
    expect(load.stats().queued).toBe(2);
    await flushMicrotasks();
    expect(calls[4]!.reason).toBeInstanceOf(QueueFullError);
    await jest.advanceTimersByTimeAsync(10);
    expect(calls.slice(0, 4).map((c) => c.value)).toEqual([10, 20, 10, 20]);
  });

  test('a slot rides with the highest priority of its callers, in its first caller’s place', async () => {
    const { fn, batches, finish } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, maxBatchSize: 2, key: byId });
    const busy = track(load(user(0))); // holds the only slot
    await jest.advanceTimersByTimeAsync(0);
    const calls = [load(user(1)), load(user(2)), load(user(3)), load(user(3), { priority: 1 })].map(track);
    await finish(0);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches[1]!.items).toEqual([user(3), user(1)]);
    await finish(1);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches[2]!.items).toEqual([user(2)]);
    await finish(2);
    expect([busy, ...calls].map((c) => c.value)).toEqual([0, 1, 2, 3, 3].map((id) => user(id)));
  });

  test('a low-priority caller joining a high-priority slot leaves it where it is', async () => {
    const { fn, batches, finish } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, maxBatchSize: 1, key: byId });
    void track(load(user(0)));
    await jest.advanceTimersByTimeAsync(0);
    const calls = [load(user(1)), load(user(2), { priority: 2 }), load(user(2), { priority: -1 })].map(track);
    await finish(0);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches[1]!.items).toEqual([user(2)]);
    await finish(1);
    await jest.advanceTimersByTimeAsync(0);
    await finish(2);
    expect(calls.map((c) => c.value)).toEqual([1, 2, 2].map((id) => user(id)));
  });

  test('its cost is its item’s, counted once', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 10, key: byId, cost: () => 3, maxBatchCost: 6 });
    void [load(user(1)), load(user(1)), load(user(1)), load(user(2)), load(user(3))].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(batches[0]).toEqual([user(1), user(2)]); // 3 + 3: user 3 waits for the next batch
  });

  test('onBatch has one entry per slot, with its first caller’s meta and how many callers waited on it', async () => {
    const events: BatchEvent[] = [];
    const { fn } = lookup();
    const load = batched(fn, { delay: 10, key: byId, onBatch: (event) => events.push(event) });
    const gone = new AbortController();
    void [
      load(user(1), { meta: 'first' }),
      load(user(1), { meta: 'second' }),
      load(user(1), { signal: gone.signal }),
      load(user(2)),
    ].map(track);
    gone.abort(new Error('left'));
    await jest.advanceTimersByTimeAsync(10);
    expect(events[0]!.size).toBe(2);
    expect(events[0]!.items.map(({ meta, callers }) => ({ meta, callers }))).toEqual([
      { meta: 'first', callers: 2 },
      { meta: undefined, callers: 1 },
    ]);
  });
});

/** Three batches of 10 ms: the latency model can predict from now on. */
async function learnTenMs(load: (item: User) => Promise<number>): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const warm = load(user(100 + i));
    await jest.advanceTimersByTimeAsync(10);
    await warm;
  }
}

describe('each caller keeps its own call', () => {
  test('a caller of a shared slot that aborts rejects alone; the slot runs for the others', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 10, key: byId });
    const leaving = new AbortController();
    const stays = track(load(user(1)));
    const leaves = track(load(user(1), { signal: leaving.signal }));
    leaving.abort(new Error('client gone'));
    await flushMicrotasks();
    expect(leaves.reason).toEqual(new Error('client gone'));
    expect(stays.status).toBe('pending');
    await jest.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([[user(1)]]);
    expect(stays.value).toBe(10);
    expect(load.stats().rejectedBy.abort).toBe(1);
  });

  test('the first caller leaving keeps the slot, with its item, for those who joined it', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 10, key: byId });
    const first = user(1, 'first');
    const leaving = new AbortController();
    const leaves = track(load(first, { signal: leaving.signal }));
    const stays = track(load(user(1, 'second')));
    leaving.abort('gone');
    await jest.advanceTimersByTimeAsync(10);
    expect(batches[0]![0]).toBe(first);
    expect([leaves.reason, stays.value]).toEqual(['gone', 10]);
  });

  test('a caller of a shared slot times out on its own deadline while another waits on', async () => {
    const { fn } = lookup();
    const load = batched(fn, { delay: 50, key: byId });
    const patient = track(load(user(1)));
    const hurried = track(load(user(1), { timeout: 20 }));
    await jest.advanceTimersByTimeAsync(20);
    expect(hurried.reason).toBeInstanceOf(TimeoutError);
    expect(patient.status).toBe('pending');
    await jest.advanceTimersByTimeAsync(30);
    expect(patient.value).toBe(10);
    expect(load.stats().rejectedBy.timeout).toBe(1);
  });

  test('a slot whose callers have all left leaves the queue and never runs', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 10, key: byId });
    const a = new AbortController();
    const b = new AbortController();
    const calls = [
      load(user(1), { signal: a.signal }),
      load(user(1), { timeout: 5 }),
      load(user(1), { signal: b.signal }),
    ];
    const tracked = calls.map(track);
    a.abort('a');
    b.abort('b');
    await jest.advanceTimersByTimeAsync(5);
    expect(load.stats().queued).toBe(0);
    await jest.advanceTimersByTimeAsync(20);
    expect(batches).toEqual([]);
    expect(tracked.map((c) => c.status)).toEqual(['rejected', 'rejected', 'rejected']);
    // A new call of that key is a new slot.
    const again = track(load(user(1)));
    await jest.advanceTimersByTimeAsync(10);
    expect(again.value).toBe(10);
  });

  test('in a running batch, a shared slot is dropped only when all its callers have left', async () => {
    const { fn, batches } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, key: byId });
    const a = new AbortController();
    const b = new AbortController();
    const first = track(load(user(1), { signal: a.signal }));
    const second = track(load(user(1), { signal: b.signal }));
    await jest.advanceTimersByTimeAsync(0);
    const { signal } = batches[0]!.context;
    a.abort('a');
    await flushMicrotasks();
    expect(signal.aborted).toBe(false);
    b.abort('b');
    await flushMicrotasks();
    expect(signal.aborted).toBe(true);
    batches[0]!.resolve([user(1)]);
    await flushMicrotasks();
    expect([first.reason, second.reason]).toEqual(['a', 'b']);
    expect(first.settles + second.settles).toBe(2);
  });

  test('with shed, each caller is judged on its own deadline: the slot rides while one of them can make it', async () => {
    const load = batched(
      async (items: User[]) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return items.map((item) => item.id);
      },
      { delay: 0, key: byId, shed: true },
    );
    await learnTenMs(load);
    const running = track(load(user(9))); // holds the only slot for 10 ms
    await jest.advanceTimersByTimeAsync(0);
    const patient = track(load(user(1)));
    const hurried = track(load(user(1), { timeout: 15 })); // joins: not judged on arrival
    const hopeless = track(load(user(2), { timeout: 15 })); // on arrival: answered at 20 ms
    await flushMicrotasks();
    expect(hopeless.reason).toBeInstanceOf(OverloadedError);
    expect(hurried.status).toBe('pending');
    await jest.advanceTimersByTimeAsync(10); // the slot's batch is formed at 10 and predicted to end at 20
    expect(hurried.reason).toBeInstanceOf(OverloadedError);
    await jest.advanceTimersByTimeAsync(10);
    expect([running.value, patient.value]).toEqual([9, 1]);
    expect(load.stats().rejectedBy.shed).toBe(2);
  });

  test('with shed, a slot none of whose callers can make it is shed whole', async () => {
    let runMs = 10;
    const load = batched(
      async (items: User[]) => {
        await new Promise((resolve) => setTimeout(resolve, runMs));
        return items.map((item) => item.id);
      },
      { delay: 0, key: byId, shed: true },
    );
    await learnTenMs(load);
    runMs = 20; // the model slows down: the batch running now ends at 20 ms, not 10
    const running = track(load(user(9)));
    await jest.advanceTimersByTimeAsync(0);
    const first = track(load(user(1), { timeout: 25 })); // on arrival: answered at 20, so it queues
    const second = track(load(user(1), { timeout: 22 })); // joins it
    await jest.advanceTimersByTimeAsync(20); // formed at 20, predicted to end at 30: neither can make it
    expect(first.reason).toBeInstanceOf(OverloadedError);
    expect(second.reason).toBeInstanceOf(OverloadedError);
    expect(running.value).toBe(9);
    expect(load.stats()).toMatchObject({ batches: 4, items: 4 });
    expect(load.stats().rejectedBy.shed).toBe(2);
  });
});

describe('a cache', () => {
  test('a kept key settles from the cache and never queues; a running key is joined, not run again', async () => {
    const { fn, batches, finish } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, key: byId, cache: true });
    const first = track(load(user(1, 'first')));
    await jest.advanceTimersByTimeAsync(0);
    const joins = track(load(user(1, 'second'))); // its key is running
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(1);
    await finish(0);
    expect([first.value, joins.value]).toEqual([user(1, 'first'), user(1, 'first')]);
    const kept = track(load(user(1, 'third')));
    expect(load.stats().queued).toBe(0);
    await flushMicrotasks();
    expect(kept.value).toEqual(user(1, 'first'));
    expect(batches).toHaveLength(1);
    expect(load.stats()).toMatchObject({ cacheHits: 2, deduplicated: 0, resolved: 3, items: 1 });
  });

  test('with a cache, equal keys queued together are cache hits, not deduplicated', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 10, key: byId, cache: true });
    const calls = [load(user(1)), load(user(1)), load(user(2))].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([[user(1), user(2)]]);
    expect(calls.map((c) => c.value)).toEqual([10, 10, 20]);
    expect(load.stats()).toMatchObject({ cacheHits: 1, deduplicated: 0 });
  });

  test('without `key`, the key is the item itself', async () => {
    const fn = jest.fn(async (items: string[]) => items.map((text) => text.length));
    const embed = batched(fn, { delay: 10, cache: true });
    await Promise.all([embed('a'), embed('bb'), embed('a'), jest.advanceTimersByTimeAsync(10)]);
    await expect(embed('bb')).resolves.toBe(2);
    expect(fn.mock.calls.map(([items]) => items)).toEqual([['a', 'bb']]);
  });

  test.each([
    ['an Error in its slot', (items: User[]) => items.map(() => new Error('no such user')), 'resultError'],
    ['a batch failure', () => Promise.reject(new Error('down')), 'batchError'],
    ['a contract error', () => [], 'contract'],
    ['a batchTimeout', () => new Promise<never>(() => undefined), 'batchTimeout'],
  ] as const)('%s deletes the key: the next call computes it again', async (_, answer, why) => {
    let calls = 0;
    const fn = (items: User[]): unknown => (++calls === 1 ? answer(items) : items.map((item) => item.id * 10));
    const load = batched(fn as (items: User[]) => Promise<number[]>, {
      delay: 0,
      key: byId,
      cache: true,
      batchTimeout: 50,
    });
    const failed = track(load(user(1)));
    const joined = track(load(user(1)));
    await jest.advanceTimersByTimeAsync(50);
    expect(failed.status).toBe('rejected');
    expect(joined.reason).toBe(failed.reason);
    if (why === 'batchTimeout') expect(failed.reason).toBeInstanceOf(BatchTimeoutError);
    if (why === 'contract') expect(failed.reason).toBeInstanceOf(BatchContractError);
    expect(load.stats().rejectedBy[why]).toBe(2);
    const again = track(load(user(1)));
    await jest.advanceTimersByTimeAsync(0);
    expect(again.value).toBe(10);
    expect(calls).toBe(2);
  });

  test('a cache hit waiting on a pending key honours its own signal and deadline', async () => {
    const { fn, finish } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, key: byId, cache: true });
    const first = track(load(user(1)));
    await jest.advanceTimersByTimeAsync(0);
    const leaving = new AbortController();
    const aborts = track(load(user(1), { signal: leaving.signal }));
    const times = track(load(user(1), { timeout: 5 }));
    leaving.abort('gone');
    await jest.advanceTimersByTimeAsync(5);
    expect([aborts.reason, times.reason instanceof TimeoutError]).toEqual(['gone', true]);
    await finish(0);
    expect(first.value).toEqual(user(1));
  });

  test('a key whose callers have all left while it runs is still computed once: a new caller joins it, and it is kept', async () => {
    const { fn, batches, finish } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, key: byId, cache: true, concurrency: 2 });
    const leaving = new AbortController();
    const left = track(load(user(1), { signal: leaving.signal }));
    await jest.advanceTimersByTimeAsync(0);
    leaving.abort('gone');
    await flushMicrotasks();
    expect(left.reason).toBe('gone');
    const again = track(load(user(1))); // a slot is free, but the key is being computed: it joins
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(1);
    await finish(0);
    expect(again.value).toEqual(user(1));
    await expect(load(user(1))).resolves.toEqual(user(1)); // kept
    expect(batches).toHaveLength(1);
  });

  test('without a cache, a running slot whose callers have all left is dropped as for abort', async () => {
    const { fn, batches } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, key: byId });
    const leaving = new AbortController();
    void track(load(user(1), { signal: leaving.signal }));
    await jest.advanceTimersByTimeAsync(0);
    leaving.abort('gone');
    await flushMicrotasks();
    expect(batches[0]!.context.signal.aborted).toBe(true);
  });

  test('a map of your own: the batcher stores entries of its own, never undefined; an entry it drops is computed again', async () => {
    const { fn, batches } = lookup();
    const log: string[] = [];
    const map = new Map<unknown, unknown>();
    const cache = {
      get: (k: unknown) => (log.push(`get ${String(k)}`), map.get(k)),
      set: (k: unknown, v: unknown) => (log.push(`set ${String(k)}`), map.set(k, v)),
      delete: (k: unknown) => (log.push(`delete ${String(k)}`), map.delete(k)),
    };
    const load = batched(fn, { delay: 10, key: byId, cache });
    const calls = [load(user(1)), load(user(1)), load(user(-2))].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(calls.map((c) => c.status)).toEqual(['resolved', 'resolved', 'rejected']);
    expect(log).toEqual(['get 1', 'set 1', 'get 1', 'get -2', 'set -2', 'get 1', 'set 1', 'get -2', 'delete -2']);
    expect([...map.keys()]).toEqual([1]);
    expect(map.get(1)).not.toBeUndefined();
    expect(map.get(1)).not.toBe(10); // its own entry, not the bare value
    map.delete(1); // an LRU evicting, a TTL passing
    const again = track(load(user(1)));
    await jest.advanceTimersByTimeAsync(10);
    expect(again.value).toBe(10);
    expect(batches).toHaveLength(2);
  });

  test('an entry the map dropped while its key ran is not put back', async () => {
    const { fn, finish } = manualBatchFn<User>();
    const map = new Map<unknown, unknown>();
    const load = batched(fn, { delay: 0, key: byId, cache: map });
    void track(load(user(1)));
    await jest.advanceTimersByTimeAsync(0);
    load.clear(1);
    await finish(0);
    expect(map.size).toBe(0);
  });

  test('a cache that throws on set: the callers still get their result', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { fn } = lookup();
    const map = new Map<unknown, unknown>();
    let sets = 0;
    const cache = {
      get: (k: unknown) => map.get(k),
      set: (k: unknown, v: unknown) => (++sets > 1 ? fail() : map.set(k, v)),
      delete: (k: unknown) => map.delete(k),
    };
    const load = batched(fn, { delay: 0, key: byId, cache });
    const call = track(load(user(1)));
    await jest.advanceTimersByTimeAsync(0);
    expect(call.value).toBe(10);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    function fail(): never {
      throw new Error('full');
    }
  });
});

describe('prime, clear and clearAll', () => {
  test('prime puts a value for a key that holds none, and never overwrites one kept or pending', async () => {
    const { fn, batches, finish } = manualBatchFn<User>();
    const load = batched(fn, { delay: 0, key: byId, cache: true });
    expect(load.prime(1, user(1, 'primed'))).toBe(load);
    load.prime(1, user(1, 'again'));
    await expect(load(user(1))).resolves.toEqual(user(1, 'primed'));
    const pending = track(load(user(2, 'computed')));
    await jest.advanceTimersByTimeAsync(0);
    load.prime(2, user(2, 'primed'));
    await finish(0);
    expect(pending.value).toEqual(user(2, 'computed'));
    await expect(load(user(2))).resolves.toEqual(user(2, 'computed'));
    load.prime(3, new Error('not found') as unknown as User); // an Error primes nothing
    const computed = track(load(user(3, 'computed')));
    await jest.advanceTimersByTimeAsync(0);
    await finish(1);
    expect(computed.value).toEqual(user(3, 'computed'));
    expect(batches).toHaveLength(2);
  });

  test('clear forgets one key, clearAll every key', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 0, key: byId, cache: true });
    await Promise.all([load(user(1)), load(user(2)), jest.advanceTimersByTimeAsync(0)]);
    expect(load.clear(1)).toBe(load);
    await Promise.all([load(user(1)), load(user(2)), jest.advanceTimersByTimeAsync(0)]);
    expect(batches.map((b) => b.map(byId))).toEqual([[1, 2], [1]]);
    expect(load.clearAll()).toBe(load);
    await Promise.all([load(user(1)), load(user(2)), jest.advanceTimersByTimeAsync(0)]);
    expect(batches.map((b) => b.map(byId))).toEqual([[1, 2], [1], [1, 2]]);
  });

  test('without a cache the three throw a TypeError naming `cache`; clearAll on a map without clear names it', () => {
    const { fn } = lookup();
    for (const load of [batched(fn), batched(fn, { key: byId }), batched(fn, { key: byId, cache: false })]) {
      expect(() => load.prime(1, 1)).toThrow(new TypeError('fn: prime() needs the `cache` option'));
      expect(() => load.clear(1)).toThrow(/clear\(\) needs the `cache` option/);
      expect(() => load.clearAll()).toThrow(/clearAll\(\) needs the `cache` option/);
    }
    const map = new Map<unknown, unknown>();
    const noClear = {
      get: (k: unknown) => map.get(k),
      set: (k: unknown, v: unknown) => map.set(k, v),
      delete: (k: unknown) => map.delete(k),
    };
    const load = batched(fn, { cache: noClear });
    expect(() => load.clearAll()).toThrow(
      new TypeError('fn: clearAll() needs a `cache` with a clear method, and this one has none'),
    );
  });
});

describe('bad keys', () => {
  test('a key that throws rejects that call with a TypeError that says so', async () => {
    const load = batched(lookup().fn, {
      delay: 0,
      key: (item: User) => {
        if (item.id === 0) throw new Error('no id');
        return item.id;
      },
    });
    const bad = track(load(user(0)));
    const good = track(load(user(1)));
    await jest.advanceTimersByTimeAsync(0);
    expect(bad.reason).toEqual(new TypeError('fn: the `key` function threw: no id'));
    expect(good.value).toBe(10);
    expect(load.stats().rejectedBy.badInput).toBe(1);
  });

  test.each([
    [{ key: 'id' }, 'Expected `key` to be a function, got `"id"` (string)'],
    [{ cache: 1 }, 'Expected `cache` to be true, false or a map with get, set and delete, got `1` (number)'],
    [
      { cache: { get() {}, set() {} } },
      'Expected `cache` to be a map with get, set and delete (it has no delete method)',
    ],
  ])('an option of the wrong type is an option error: %p', (options, message) => {
    expect(() => batched(lookup().fn, options as never)).toThrow(TypeError);
    expect(() => batched(lookup().fn, options as never)).toThrow(message);
  });
});

describe('configure', () => {
  test('adding a key at run time; slots queued before it still answer their callers', async () => {
    const { fn, batches } = lookup();
    const load = batched(fn, { delay: 10 });
    const before = [load(user(1)), load(user(1))].map(track);
    load.configure({ key: byId, cache: true });
    const after = [load(user(1)), load(user(1))].map(track);
    await jest.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([[user(1), user(1), user(1)]]);
    expect([...before, ...after].map((c) => c.value)).toEqual([10, 10, 10, 10]);
    load.configure({ key: undefined, cache: undefined });
    expect(() => load.clearAll()).toThrow(/cache/);
  });
});
