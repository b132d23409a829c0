import {
  BatchContractError,
  batched,
  BatcherClosedError,
  BatchTimeoutError,
  END,
  OverloadedError,
  SKIP,
  TimeoutError,
  type BatchEvent,
  type StreamContext,
} from '../src/index.js';
import { flushMicrotasks } from './support/recorder.js';
import { reader, stepper } from './support/stepper.js';

// contract §12: streaming results per item, with steps the test releases one at a time.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Lets the end of the turn pass, so a `delay: 0` batch leaves. */
const turn = () => jest.advanceTimersByTimeAsync(0);

describe('the shape', () => {
  test('each caller gets its own chunks, in order; SKIP gives nothing, END ends one stream, an Error throws in one', async () => {
    const { fn, runs, step, finish } = stepper();
    const generate = batched(fn, { delay: 0 });
    const a = reader(generate('a'));
    const b = reader(generate('b'));
    const c = reader(generate('c'));
    await turn();
    expect(runs[0]!.batch).toEqual(['a', 'b', 'c']);
    await step(0, ['a1', SKIP, 'c1']);
    await step(0, ['a2', 'b1', new Error('c failed')]);
    await step(0, [END, 'b2', 'ignored after the Error']);
    expect([a.chunks, b.chunks, c.chunks]).toEqual([['a1', 'a2'], ['b1', 'b2'], ['c1']]);
    expect([a.done, b.done, c.done]).toEqual([true, false, true]);
    expect(c.error).toEqual(new Error('c failed'));
    await step(0, ['ignored after END', 'b3', 'ignored']);
    await finish(0);
    expect(b.chunks).toEqual(['b1', 'b2', 'b3']);
    expect([a.ends, b.ends, c.ends]).toEqual([1, 1, 1]);
    await generate.drain();
    expect(generate.stats()).toMatchObject({ batches: 1, resolved: 2, rejected: 1 });
    expect(generate.stats().rejectedBy.resultError).toBe(1);
  });

  test('the call is made when the function is called, not at the first read', async () => {
    const { fn, runs } = stepper();
    const generate = batched(fn, { delay: 0 });
    const stream = generate('x');
    await turn();
    expect(runs[0]!.batch).toEqual(['x']);
    expect(generate.stats().running).toBe(1);
    void stream;
  });

  test('when the method throws, every open stream throws that error', async () => {
    const { fn, step, fail } = stepper();
    const generate = batched(fn, { delay: 0 });
    const a = reader(generate('a'));
    const b = reader(generate('b'));
    await turn();
    await step(0, [END, 'b1']);
    await fail(0, new Error('model crashed'));
    expect([a.error, b.error]).toEqual([undefined, new Error('model crashed')]);
    expect(b.chunks).toEqual(['b1']);
  });

  test('a step of the wrong length: every open stream throws BatchContractError naming the method; the method is closed', async () => {
    const { fn, runs, step } = stepper();
    const generate = batched(fn, { delay: 0 });
    const a = reader(generate('a'));
    const b = reader(generate('b'));
    await turn();
    await step(0, ['only one']);
    expect(a.error).toBeInstanceOf(BatchContractError);
    expect((a.error as Error).message).toBe(
      'fn yielded a step of 1 entry for a batch of 2 items; expected an array with one entry per item, in order',
    );
    expect(b.error).toBe(a.error);
    expect(runs[0]).toMatchObject({ finished: true, closed: true });
  });

  test('a method that returns no async iterable: every stream throws BatchContractError', async () => {
    const generate = batched(((items: string[]) => items) as never, { delay: 0, stream: true });
    const a = reader(generate('a') as unknown as AsyncIterable<unknown>);
    await turn();
    await flushMicrotasks();
    expect(a.error).toBeInstanceOf(BatchContractError);
  });
});

describe('leaving', () => {
  test('a caller’s break aborts its signal; the others go on', async () => {
    const { fn, runs, step, finish } = stepper();
    const generate = batched(fn, { delay: 0 });
    const leaves = reader(generate('a'), 1);
    const stays = reader(generate('b'));
    await turn();
    const { signals } = runs[0]!.context;
    await step(0, ['a1', 'b1']);
    expect(leaves).toMatchObject({ chunks: ['a1'], done: true });
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
    await step(0, ['a2 is dropped', 'b2']);
    await finish(0);
    expect(stays.chunks).toEqual(['b1', 'b2']);
    expect(leaves.chunks).toEqual(['a1']);
  });

  test('when every caller has gone the method is closed (its finally runs) and the slot frees', async () => {
    const { fn, runs, step } = stepper();
    const generate = batched(fn, { delay: 0, concurrency: 1 });
    const a = reader(generate('a'), 1);
    const b = new AbortController();
    const bs = reader(generate('b', { signal: b.signal }));
    await turn();
    await step(0, ['a1', 'b1']);
    b.abort(new Error('client gone'));
    await flushMicrotasks();
    expect([a.done, bs.error]).toEqual([true, new Error('client gone')]);
    expect(runs[0]!.context.signal.aborted).toBe(true);
    await step(0, ['late', 'late']); // the step it was computing is dropped, then it is closed
    expect(runs[0]).toMatchObject({ finished: true, closed: true });
    const next = reader(generate('c'));
    await turn();
    expect(runs[1]!.batch).toEqual(['c']);
    void next;
  });

  test('an abort drops the chunks the caller had not read: it gets the abort at its next read', async () => {
    const { fn, step } = stepper();
    const generate = batched(fn, { delay: 0 });
    const controller = new AbortController();
    const stream = generate('a', { signal: controller.signal })[Symbol.asyncIterator]();
    void reader(generate('b'));
    await turn();
    await step(0, ['a1', 'b1']);
    await step(0, ['a2', 'b2']);
    controller.abort('gone');
    await expect(stream.next()).rejects.toBe('gone');
    await expect(stream.next()).resolves.toEqual({ value: undefined, done: true });
  });

  test('a call whose signal has aborted already, or whose options or input are bad, never queues and is counted', async () => {
    const { fn, runs } = stepper();
    const generate = batched(fn, { delay: 0, input: (item: string) => item.length > 0 });
    const aborted = reader(generate('a', { signal: AbortSignal.abort('too late') }));
    const badOptions = reader(generate('b', { priority: 1.5 }));
    const badInput = reader(generate(''));
    await turn();
    expect(runs).toHaveLength(0);
    expect(aborted.error).toBe('too late');
    expect(badOptions.error).toEqual(new TypeError('fn: Expected `priority` to be an integer, got `1.5` (number)'));
    expect((badInput.error as Error).message).toMatch(/^fn: the input check failed/);
    expect(generate.stats()).toMatchObject({ rejected: 3, resolved: 0 });
    expect(generate.stats().rejectedBy).toMatchObject({ abort: 1, badInput: 2 });
  });

  test('a caller that leaves while queued never enters a batch', async () => {
    const { fn, runs } = stepper();
    const generate = batched(fn, { delay: 10 });
    const controller = new AbortController();
    const gone = reader(generate('a', { signal: controller.signal }));
    void reader(generate('b'));
    controller.abort('gone');
    await jest.advanceTimersByTimeAsync(10);
    expect(runs[0]!.batch).toEqual(['b']);
    expect(gone.error).toBe('gone');
  });

  test('a caller that never reads does not hold up one that reads everything', async () => {
    const { fn, step, finish } = stepper();
    const generate = batched(fn, { delay: 0 });
    const idle = generate('idle');
    const busy = reader(generate('busy'));
    await turn();
    for (let i = 0; i < 5; i++) await step(0, [`i${i}`, `b${i}`]);
    await finish(0);
    expect(busy).toMatchObject({ chunks: ['b0', 'b1', 'b2', 'b3', 'b4'], done: true });
    const rest: unknown[] = [];
    for await (const chunk of idle) rest.push(chunk);
    expect(rest).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
  });
});

describe('deadlines and the controls', () => {
  test('a deadline is on the first chunk: it throws TimeoutError before it, and no longer applies after', async () => {
    const { fn, step, finish } = stepper();
    const generate = batched(fn, { delay: 0, timeout: 50 });
    const late = reader(generate('late'));
    const early = reader(generate('early'));
    await turn();
    await step(0, [SKIP, 'e1']); // a SKIP is not a chunk
    await jest.advanceTimersByTimeAsync(50);
    expect(late.error).toBeInstanceOf(TimeoutError);
    expect(early.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(100);
    await step(0, ['dropped', 'e2']);
    await finish(0);
    expect(early).toMatchObject({ chunks: ['e1', 'e2'], done: true, error: undefined });
  });

  test('batchTimeout bounds the whole run', async () => {
    const { fn, runs, step } = stepper();
    const generate = batched(fn, { delay: 0, batchTimeout: 100 });
    const a = reader(generate('a'));
    await turn();
    await step(0, ['a1']);
    await jest.advanceTimersByTimeAsync(100);
    expect(a.error).toBeInstanceOf(BatchTimeoutError);
    expect(runs[0]!.context.signal.aborted).toBe(true);
  });

  test('drain() and close() wait for the method to return; close() refuses new calls', async () => {
    const { fn, step, finish } = stepper();
    const generate = batched(fn, { delay: 0 });
    const a = reader(generate('a'));
    await turn();
    let drained = false;
    void generate.drain().then(() => (drained = true));
    let closed = false;
    void generate.close().then(() => (closed = true));
    await step(0, ['a1']);
    expect([drained, closed]).toEqual([false, false]);
    const refused = reader(generate('b'));
    await flushMicrotasks();
    expect(refused.error).toBeInstanceOf(BatcherClosedError);
    await finish(0);
    await flushMicrotasks();
    expect([drained, closed, a.done]).toEqual([true, true, true]);
  });
});

/**
 * A streamed batch on a clock: its first step comes `firstMs` after it starts, then one step
 * every `stepMs`; item `name:n` ends after `n` steps (5 without `:n`).
 */
function timedStreams(firstMs: number, stepMs: number) {
  const started: string[][] = [];
  async function* fn(batch: string[], { signals }: StreamContext): AsyncGenerator<unknown[]> {
    started.push([...batch]);
    const steps = batch.map((item) => Number(item.split(':')[1] ?? 5));
    await new Promise((resolve) => setTimeout(resolve, firstMs));
    for (let k = 1; ; k++) {
      yield batch.map((item, i) => (k > steps[i]! || signals[i]!.aborted ? END : `${item}#${k}`));
      if (batch.every((_, i) => k >= steps[i]!)) return;
      await new Promise((resolve) => setTimeout(resolve, stepMs));
    }
  }
  return { fn, started };
}

/** Runs `count` batches of one item in turn, each read to its end. */
async function warmUpStreams(generate: (item: string) => AsyncIterable<unknown>, count = 3) {
  for (let i = 0; i < count; i++) {
    const warm = reader(generate(`warm${i}`));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(warm.done).toBe(true);
  }
}

describe('deadlines, shedding and the latency model judge the first chunk', () => {
  test('the latency model and predictedWaitMs learn the first step; the forecast holds the slot for the whole run', async () => {
    const { fn } = timedStreams(10, 20); // first step at 10 ms, the whole run 90 ms
    const generate = batched(fn, { delay: 0 });
    await warmUpStreams(generate);
    expect(generate.stats().latency).toEqual({ baseMs: 10, perItemMs: 0, samples: 3 });
    expect(generate.stats().predictedWaitMs).toBe(10); // idle: its own first step
    void reader(generate('running'));
    await turn();
    // The slot frees when the running batch ends (90 ms), then its own first step (10 ms).
    expect(generate.stats().predictedWaitMs).toBe(100);
  });

  test('with shed, a call that cannot get its first chunk in time is refused on arrival; one that can is admitted, though its stream runs past its deadline', async () => {
    const { fn, started } = timedStreams(10, 20);
    const generate = batched(fn, { delay: 0, shed: true });
    await warmUpStreams(generate);
    void reader(generate('running'));
    await turn();
    const late = reader(generate('late', { timeout: 95 })); // first chunk predicted at 100 ms
    const inTime = reader(generate('in time', { timeout: 105 }));
    await flushMicrotasks();
    expect(late.error).toBeInstanceOf(OverloadedError);
    expect((late.error as Error).message).toBe(
      'fn: shed on arrival: it would be answered in 100.0 ms (predicted), but the call had 95.0 ms left ' +
        '(a batch is predicted to give its first step in 10.00 ms + 0.000 ms per item); retry after 6 ms',
    );
    await jest.advanceTimersByTimeAsync(1_000);
    expect(inTime).toMatchObject({ done: true, error: undefined });
    expect(inTime.chunks).toHaveLength(5);
    expect(started.flat()).not.toContain('late');
    expect(generate.stats().rejectedBy).toMatchObject({ shed: 1, timeout: 0 });
  });

  test('with shed, a queued call whose first chunk can no longer make its deadline is shed when its batch is formed', async () => {
    const { fn, started } = timedStreams(10, 20);
    const generate = batched(fn, { delay: 0, shed: true });
    await warmUpStreams(generate);
    void reader(generate('slow:6')); // runs 110 ms, 20 more than predicted
    await turn();
    const queued = reader(generate('queued', { timeout: 115 })); // admitted: its first chunk predicted at 100 ms
    await flushMicrotasks();
    expect(queued.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(110); // formed at 110 ms: its first chunk predicted at 120 ms
    expect(queued.error).toBeInstanceOf(OverloadedError);
    expect((queued.error as Error).message).toContain('shed when its batch was formed');
    expect(started.flat()).not.toContain('queued');
  });

  test('a call that times out while queued is counted as a timeout', async () => {
    const { fn } = timedStreams(10, 20);
    const generate = batched(fn, { delay: 0 });
    void reader(generate('running'));
    await turn();
    const late = reader(generate('late', { timeout: 5 }));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(late.error).toBeInstanceOf(TimeoutError);
    expect(generate.stats().rejectedBy).toMatchObject({ timeout: 1, abort: 0 });
  });

  test("'auto' learns a batch's first step, not its whole run", async () => {
    const { fn } = timedStreams(10, 20);
    const generate = batched(fn, { delay: 'auto' });
    await warmUpStreams(generate);
    expect(generate.stats().auto?.meanRunMs).toBe(10);
  });
});

describe('joining between steps', () => {
  test('a queued call joins a running batch before its next step: the batch and signals grow', async () => {
    const { fn, runs, step, finish } = stepper();
    const generate = batched(fn, { delay: 0, join: true, maxBatchSize: 3 });
    const a = reader(generate('a'));
    await turn();
    await step(0, ['a1']);
    const b = reader(generate('b'));
    const c = reader(generate('c'));
    const d = reader(generate('d')); // no room: 3 open slots
    await step(0, ['a2']); // b and c joined before this step
    expect(runs[0]!.batch).toEqual(['a', 'b', 'c']);
    expect(runs[0]!.context.signals).toHaveLength(3);
    await step(0, [END, 'b1', 'c1']); // a's slot frees: d joins before the next step
    expect(runs[0]!.batch).toEqual(['a', 'b', 'c', 'd']);
    await step(0, ['ignored', 'b2', END, 'd1']);
    await finish(0);
    expect([a.chunks, b.chunks, c.chunks, d.chunks]).toEqual([['a1', 'a2'], ['b1', 'b2'], ['c1'], ['d1']]);
    expect(runs).toHaveLength(1);
    expect(generate.stats()).toMatchObject({ joined: 3, batches: 1 });
  });

  test('a call queued before the batch started, for want of room, joins it once a slot ends', async () => {
    const { fn, runs, step, finish } = stepper();
    const generate = batched(fn, { delay: 0, join: true, maxBatchSize: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((item) => reader(generate(item)));
    await turn();
    expect(runs[0]!.batch).toEqual(['a', 'b']);
    expect(generate.stats().queued).toBe(1);
    await step(0, [END, 'b1']); // a's slot frees: c joins before the next step
    expect(runs[0]!.batch).toEqual(['a', 'b', 'c']);
    expect(generate.stats()).toMatchObject({ queued: 0, joined: 1 });
    await step(0, ['ignored', END, 'c1']);
    await finish(0);
    expect([a!.done, b!.chunks, c!.chunks, runs.length]).toEqual([true, ['b1'], ['c1'], 1]);
  });

  test('waiting calls join in the order a batch takes them (priority, then arrival), within the cost budget', async () => {
    const { fn, runs, step } = stepper();
    const generate = batched(fn, {
      delay: 0,
      join: true,
      maxBatchSize: 4,
      cost: (item: string) => item.length,
      maxBatchCost: 6,
    });
    const first = reader(generate('aa'));
    await turn();
    const low = reader(generate('b')); // joins before the first step: room for it
    const late = [reader(generate('ccc')), reader(generate('dd', { priority: 1 })), reader(generate('e'))];
    // They join before the next step: 'dd' first (priority 1), then 'b'; 'ccc' would bring the
    // open slots' cost to 2 + 2 + 1 + 3 = 8 > 6, so the joining stops there ('e' is not passed in).
    await step(0, ['a1']);
    expect(runs[0]!.batch).toEqual(['aa', 'dd', 'b']);
    await step(0, [END, 'd1', END]); // 'aa' and 'b' end: 'ccc' fits now (2 + 3), and 'e' (6)
    expect(runs[0]!.batch).toEqual(['aa', 'dd', 'b', 'ccc', 'e']);
    await step(0, ['x', END, 'x', END, END]); // every slot is done: the library closes the method
    expect(runs[0]).toMatchObject({ finished: true, closed: true });
    await generate.drain();
    expect([first.done, low.done, ...late.map((r) => r.done)]).toEqual([true, true, true, true, true]);
    expect(generate.stats()).toMatchObject({ joined: 4, resolved: 5, rejected: 0, batches: 1 });
  });

  test('the outcomes of calls that joined are counted in stats()', async () => {
    const { fn, step, finish } = stepper();
    const generate = batched(fn, { delay: 0, join: true });
    void reader(generate('a'));
    await turn();
    const failing = reader(generate('b'));
    const leaving = new AbortController();
    const left = reader(generate('c', { signal: leaving.signal }));
    await step(0, ['a1']);
    await step(0, ['a2', new Error('no b'), 'c1']);
    leaving.abort('gone');
    await finish(0);
    await generate.drain();
    expect([failing.error, left.error]).toEqual([new Error('no b'), 'gone']);
    const stats = generate.stats();
    expect(stats).toMatchObject({ joined: 2, resolved: 1, rejected: 2 });
    expect(stats.rejectedBy).toMatchObject({ resultError: 1, abort: 1 });
  });

  test('close() and drain() wait for the calls queued to join: close() runs them, it does not refuse them', async () => {
    const { fn, runs, step, finish } = stepper();
    const generate = batched(fn, { delay: 0, join: true, maxBatchSize: 1 });
    const a = reader(generate('a'));
    await turn();
    const waiting = reader(generate('b')); // no room: it waits to join
    const deadline = reader(generate('c', { timeout: 5 })); // leaves while queued: counted as a timeout
    await jest.advanceTimersByTimeAsync(5);
    let drained = false;
    void generate.drain().then(() => (drained = true));
    let closed = false;
    void generate.close().then(() => (closed = true));
    await step(0, ['a1']);
    await finish(0); // 'b' never found room: it queues for a batch of its own, which close() sends
    await turn();
    expect(runs[1]!.batch).toEqual(['b']);
    expect([drained, closed]).toEqual([false, false]);
    await step(1, ['b1']);
    await finish(1);
    await flushMicrotasks();
    expect([drained, closed]).toEqual([true, true]);
    expect([a.chunks, waiting.chunks, deadline.error instanceof TimeoutError]).toEqual([['a1'], ['b1'], true]);
    expect(generate.stats()).toMatchObject({ resolved: 2, rejected: 1, joined: 0 });
    expect(generate.stats().rejectedBy.timeout).toBe(1);
  });

  test('cost and partitionBy are called once per call, whether it queues or joins; a bad cost refuses the call', async () => {
    const { fn, runs, step } = stepper();
    const costs: string[] = [];
    const generate = batched(fn, {
      delay: 0,
      join: true,
      cost: (item: string) => (costs.push(item), item.length),
      maxBatchCost: 4,
    });
    void reader(generate('a'));
    await turn();
    const joins = reader(generate('bb'));
    const tooCostly = reader(generate('eeeee'));
    await step(0, ['a1']);
    expect(runs[0]!.batch).toEqual(['a', 'bb']);
    await step(0, [END, 'b1']);
    await step(0, [END, END]); // every slot is done: the library closes the method
    expect(costs).toEqual(['a', 'bb', 'eeeee']);
    expect(joins.chunks).toEqual(['b1']);
    expect(tooCostly.error).toBeInstanceOf(RangeError);
    expect(generate.stats().rejectedBy.badInput).toBe(1);
  });

  test('a queued call that finds no room in the running batch keeps its meta and priority in a batch of its own', async () => {
    const { fn, runs, step, finish } = stepper();
    const events: BatchEvent[] = [];
    const generate = batched(fn, { delay: 0, join: true, maxBatchSize: 1, onBatch: (event) => events.push(event) });
    void reader(generate('a'));
    await turn();
    void reader(generate('low'));
    void reader(generate('high', { priority: 1, meta: 'trace-high' }));
    await step(0, ['a1']);
    await finish(0); // the batch ends full: both queue for batches of their own, 'high' first
    await turn();
    expect(runs[1]!.batch).toEqual(['high']);
    await finish(1);
    await turn();
    await finish(2);
    await generate.drain();
    expect(events[1]!.items.map((item) => item.meta)).toEqual(['trace-high']);
  });

  test('without join, a call waits for a batch of its own', async () => {
    const { fn, runs, step, finish } = stepper();
    const generate = batched(fn, { delay: 0 });
    void reader(generate('a'));
    await turn();
    void reader(generate('b'));
    await step(0, ['a1']);
    expect(runs[0]!.batch).toEqual(['a']);
    await finish(0);
    await turn();
    expect(runs[1]!.batch).toEqual(['b']);
  });

  test('a call queued when the running batch ends gets a batch of its own', async () => {
    const { fn, runs, finish } = stepper();
    const generate = batched(fn, { delay: 0, join: true });
    void reader(generate('a'));
    await turn();
    const b = reader(generate('b'));
    await finish(0);
    await turn();
    expect(runs[1]!.batch).toEqual(['b']);
    await finish(1);
    expect(b.done).toBe(true);
  });
});

describe('option errors', () => {
  const plain = async (items: string[]) => items;
  async function* streaming(items: string[], context: StreamContext) {
    void context;
    yield items.map(() => END);
  }
  test.each([
    [plain, { join: true }, 'Expected `join` only on a streaming method'],
    [streaming, { key: (x: string) => x }, 'Expected no `key` on a streaming method'],
    [streaming, { cache: true }, 'Expected no `cache` on a streaming method'],
    [streaming, { output: String }, 'Expected no `output` on a streaming method'],
    [streaming, { join: 1 }, 'Expected `join` to be a boolean'],
  ])('%p with %p', (fn, options, message) => {
    expect(() => batched(fn as never, options as never)).toThrow(TypeError);
    expect(() => batched(fn as never, options as never)).toThrow(message);
  });

  test('stream: false declares a method not to stream', async () => {
    const generate = batched(streaming as never, { delay: 0, stream: false });
    const result = expect((generate as unknown as (x: string) => Promise<unknown>)('a')).rejects.toBeInstanceOf(
      BatchContractError,
    );
    await turn();
    await result;
  });
});
