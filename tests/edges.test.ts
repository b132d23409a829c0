import { BatchContractError, batched } from '../src/index.js';
import { flushMicrotasks, manualBatchFn, track } from './support/recorder.js';

// The contract's remaining edges: shutdown, 'auto' with partitions, hostile values and checks
// while settling, and the window's start. Fake timers.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('close() waits for every batch method, also one dispatched after close() was called', () => {
  test.each([['timeout'], ['abort']])('its callers leave (%s) while it runs', async (how) => {
    let running = 0;
    const f = batched(
      async (xs: string[]) => {
        running++;
        await new Promise((resolve) => setTimeout(resolve, 100));
        running--;
        return xs;
      },
      { delay: 1_000, maxBatchSize: 1, concurrency: 1 },
    );
    const controller = new AbortController();
    const a = track(f('A'));
    const b = track(f('B', how === 'timeout' ? { timeout: 150 } : { signal: controller.signal }));
    const closed = track(f.close()); // A runs at once; B waits for the slot
    if (how === 'abort') setTimeout(() => controller.abort(new Error('gone')), 150);
    await jest.advanceTimersByTimeAsync(100); // A done; B's batch starts
    expect(a.status).toBe('resolved');
    await jest.advanceTimersByTimeAsync(60); // B leaves while its method runs
    expect(b.status).toBe('rejected');
    expect(f.stats().running).toBe(1);
    expect(closed.status).toBe('pending'); // the model is still in use
    await jest.advanceTimersByTimeAsync(40);
    expect(running).toBe(0);
    expect(closed.status).toBe('resolved');
  });
});

test("'auto' with partitionBy never waits while a slot is free and another key holds a full batch; the key that waited longest goes first", async () => {
  const model = manualBatchFn<string>();
  const f = batched(model.fn, { delay: 'auto', maxBatchSize: 2, concurrency: 1, partitionBy: (x) => x[0]! });
  // Teach 'auto' that batches have company, so that it would wait for more.
  for (let i = 0; i < 4; i++) {
    void f('w1');
    void f('w2');
    await jest.advanceTimersByTimeAsync(0);
    await jest.advanceTimersByTimeAsync(10);
    await model.finish(model.batches.length - 1);
  }
  model.batches.length = 0;
  void f('zz'); // a key of its own
  await jest.advanceTimersByTimeAsync(10); // past any gathering for company
  expect(model.batches.map((batch) => batch.items)).toEqual([['zz']]);
  void f('a1');
  void f('b1');
  void f('b2'); // b is full
  await jest.advanceTimersByTimeAsync(10);
  model.batches[0]!.resolve(['zz']);
  await flushMicrotasks(); // the slot frees: no turn goes by
  // a1 is due and has waited longest: it goes now instead of waiting for company, since the
  // full batch of b would take the slot anyway (issue 27: sending b first starved a light key).
  expect(model.batches.map((batch) => batch.items)).toEqual([['zz'], ['a1']]);
  model.batches[1]!.resolve(['a1']);
  await flushMicrotasks();
  expect(model.batches.map((batch) => batch.items)).toEqual([['zz'], ['a1'], ['b1', 'b2']]);
});

describe('the window starts at the call', () => {
  test('a call made late in a long synchronous stretch waits its whole delay', async () => {
    const model = manualBatchFn<string>();
    const f = batched(model.fn, { delay: 50, maxBatchSize: 8 });
    const g = batched(async (xs: string[]) => xs, { delay: 50 });
    void f('blocker');
    f.flush();
    expect(model.batches).toHaveLength(1);
    // One synchronous stretch: a call elsewhere, 80 ms of work, then this call.
    void g('elsewhere');
    jest.advanceTimersByTime(80);
    void f('late');
    model.batches[0]!.resolve(['blocker']);
    await flushMicrotasks(); // the slot frees right after
    expect(model.batches).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(49);
    expect(model.batches).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(model.batches.map((batch) => batch.items)).toEqual([['blocker'], ['late']]);
  });
});

describe('hostile values and checks while settling: every caller settles, the slot frees', () => {
  const throwingClass = () =>
    class Hostile {
      static [Symbol.hasInstance](): boolean {
        throw new Error('hasInstance exploded');
      }
    };

  test('an `output` check given as a class whose Symbol.hasInstance throws', async () => {
    const f = batched(async (xs: number[]) => xs, { delay: 0, output: throwingClass() });
    const calls = [track(f(1)), track(f(2))];
    await jest.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.status)).toEqual(['rejected', 'rejected']);
    expect(calls[0]!.reason).toBeInstanceOf(BatchContractError);
    expect((calls[0]!.reason as Error).message).toBe(
      'batched function: result 0 failed the output check: the check `Hostile` threw for `1` (number): hasInstance exploded',
    );
    const later = track(f(3));
    await jest.advanceTimersByTimeAsync(0);
    expect(later.status).toBe('rejected');
    expect(f.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  test('an `input` check given as a class whose Symbol.hasInstance throws rejects, never throws', async () => {
    const f = batched(async (xs: number[]) => xs, { delay: 0, input: throwingClass() });
    let result: Promise<number> | undefined;
    expect(() => (result = f(1))).not.toThrow();
    await expect(result).rejects.toThrow(
      new TypeError(
        'batched function: the input check failed: the check `Hostile` threw for `1` (number): hasInstance exploded',
      ),
    );
  });

  test('a revoked Proxy as the item, with `input: String`, rejects, never throws', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const f = batched(async (xs: unknown[]) => xs, { delay: 0, input: String });
    let result: Promise<unknown> | undefined;
    expect(() => (result = f(proxy))).not.toThrow();
    await expect(result).rejects.toThrow(
      new TypeError('batched function: the input check failed: expected a string, got `[unprintable]` (object)'),
    );
  });

  test('a result slot that is a Proxy whose getPrototypeOf throws, or a revoked Proxy, settles its caller', async () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('no prototype for you');
        },
      },
    );
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const f = batched(async (xs: number[]) => xs.map((x) => (x === 0 ? hostile : revoked)), { delay: 0 });
    const calls = [track(f(0)), track(f(1))];
    await jest.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.status)).toEqual(['resolved', 'rejected']);
    expect(calls[0]!.value).toBe(hostile);
    // A promise cannot resolve with a revoked proxy: reading its `then` throws, and the caller
    // rejects with that TypeError, once.
    expect(calls[1]!.reason).toBeInstanceOf(TypeError);
    expect(calls[1]!.settles).toBe(1);
    expect(f.stats().running).toBe(0);
  });

  test('a returned array that is a Proxy whose `length` getter throws fails the batch with BatchContractError', async () => {
    const f = batched(
      async (xs: number[]) =>
        new Proxy(xs, {
          get(target, key, receiver) {
            if (key === 'length') throw new Error('length exploded');
            return Reflect.get(target, key, receiver) as unknown;
          },
        }),
      { delay: 0 },
    );
    const calls = [track(f(1)), track(f(2))];
    await jest.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.status)).toEqual(['rejected', 'rejected']);
    expect((calls[0]!.reason as Error).message).toBe(
      'batched function returned an array whose `length` could not be read (length exploded) for a batch of 2 items; expected an array with one result per item, in order',
    );
    expect(f.stats().running).toBe(0);
    const next = track(f(3));
    await jest.advanceTimersByTimeAsync(0);
    expect(next.status).toBe('rejected');
    await expect(f.close()).resolves.toBeUndefined();
  });

  test('a plain object that says it is an Error (Symbol.toStringTag) resolves its caller; a real error from any realm rejects', async () => {
    const spoof = { [Symbol.toStringTag]: 'Error', message: 'not really' };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runInNewContext } = require('node:vm') as typeof import('node:vm');
    const foreign = runInNewContext('new RangeError("from another realm")') as Error;
    class OwnError extends Error {}
    const f = batched(async (xs: number[]) => [spoof, foreign, new OwnError('own')].slice(0, xs.length), { delay: 0 });
    const calls = [track(f(0)), track(f(1)), track(f(2))];
    await jest.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.status)).toEqual(['resolved', 'rejected', 'rejected']);
    expect(calls[0]!.value).toBe(spoof);
    expect(calls[1]!.reason).toBe(foreign);
  });
});
