// Real behaviour of the built package (dist/esm), run as plain JavaScript under Node, Bun and
// Deno by scripts/test-runtimes.sh, and in Chromium by scripts/test-browser.mjs: batching, outcomes, controls, deadlines, abort, close,
// cost, partitions and priority. Real timers, so every assertion is about what happened, never
// about how long it took. Prints one line per test and closes with "N passed, N failed".
import { BatchContractError, BatcherClosedError, QueueFullError, TimeoutError, batched } from '../../dist/esm/index.js';

const [runtime, version] =
  typeof globalThis.Bun !== 'undefined'
    ? ['bun', globalThis.Bun.version]
    : typeof globalThis.Deno !== 'undefined'
      ? ['deno', globalThis.Deno.version.deno]
      : typeof globalThis.window !== 'undefined'
        ? ['browser', globalThis.navigator.userAgent.match(/Chrom\w*\/[\d.]+/)?.[0] ?? globalThis.navigator.userAgent]
        : ['node', globalThis.process.version];

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

function equal(actual, expected, what) {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function isA(value, type, what) {
  if (!(value instanceof type)) throw new Error(`${what}: expected a ${type.name}, got ${String(value)}`);
}

/** A batch function that records its batches; answers x * 10. */
function recorder() {
  const batches = [];
  const fn = async (items) => {
    batches.push([...items]);
    return items.map((x) => x * 10);
  };
  return { fn, batches };
}

const settle = (promise) =>
  promise.then(
    (value) => ({ value }),
    (reason) => ({ reason }),
  );

test('calls made in one tick share a batch; each caller gets its own result', async () => {
  const { fn, batches } = recorder();
  const f = batched(fn, { delay: 0 });
  equal(await Promise.all([1, 2, 3].map((x) => f(x))), [10, 20, 30], 'results');
  equal(batches, [[1, 2, 3]], 'batches');
});

test('maxBatchSize splits a burst; a fixed delay gathers calls', async () => {
  const { fn, batches } = recorder();
  const f = batched(fn, { delay: 20, maxBatchSize: 2 });
  await Promise.all([1, 2, 3].map((x) => f(x)));
  equal(batches, [[1, 2], [3]], 'batches');
});

test('an Error in slot i rejects caller i only; a throw rejects the batch; a wrong length is a contract error', async () => {
  const slot = batched(async (xs) => xs.map((x) => (x === 2 ? new Error('two') : x)), { delay: 0 });
  const outcomes = await Promise.all([1, 2, 3].map((x) => settle(slot(x))));
  equal(
    outcomes.map((o) => o.value ?? o.reason.message),
    [1, 'two', 3],
    'slots',
  );
  const throws = batched(
    async () => {
      throw new Error('boom');
    },
    { delay: 0 },
  );
  equal((await settle(throws(1))).reason.message, 'boom', 'throw');
  const short = batched(async () => [], { delay: 0 });
  isA((await settle(short(1))).reason, BatchContractError, 'wrong length');
});

test('flush, drain, stats, configure', async () => {
  const { fn, batches } = recorder();
  const f = batched(fn, { delay: 60_000 });
  const pending = [f(1), f(2)];
  equal(f.stats().queued, 2, 'queued');
  f.flush();
  await f.drain();
  equal(await Promise.all(pending), [10, 20], 'results');
  f.configure({ delay: 0 });
  await f(3);
  equal(batches, [[1, 2], [3]], 'batches');
  equal(f.stats().resolved, 3, 'resolved');
});

test('a deadline rejects with TimeoutError; an abort with the signal reason; a full queue with QueueFullError', async () => {
  const hung = batched(() => new Promise(() => {}), { delay: 60_000, maxQueueSize: 2 });
  const timedOut = settle(hung(1, { timeout: 10 }));
  const controller = new AbortController();
  const aborted = settle(hung(2, { signal: controller.signal }));
  isA((await settle(hung(3))).reason, QueueFullError, 'full queue');
  controller.abort(new Error('gone'));
  equal((await aborted).reason.message, 'gone', 'abort');
  isA((await timedOut).reason, TimeoutError, 'deadline');
  equal(hung.stats().queued, 0, 'queued after');
});

test('close runs what is queued, waits for it, then refuses new calls', async () => {
  const { fn, batches } = recorder();
  const f = batched(fn, { delay: 60_000 });
  const queued = [f(1), f(2)];
  await f.close();
  equal(await Promise.all(queued), [10, 20], 'queued calls');
  isA((await settle(f(3))).reason, BatcherClosedError, 'after close');
  equal(batches, [[1, 2]], 'batches');
});

test('cost, partitions and priority', async () => {
  const { fn, batches } = recorder();
  const f = batched(fn, {
    delay: 20,
    concurrency: 4,
    cost: (x) => x,
    maxBatchCost: 10,
    partitionBy: (x) => (x % 2 === 0 ? 'even' : 'odd'),
  });
  const results = await Promise.all([2, 1, 4, 3, 8, 5].map((x) => f(x, { priority: x === 5 ? 1 : 0 })));
  equal(results, [20, 10, 40, 30, 80, 50], 'results');
  // even: 2 + 4 = 6, and 8 would make 14 > 10: [2, 4] goes at once, [8] later; odd: 5 first by priority.
  equal(batches, [[2, 4], [5, 1, 3], [8]], 'batches');
  isA((await settle(f(12))).reason, RangeError, 'over budget');
});

console.log(`# batched-fn (dist/esm) on ${runtime} ${version}`);
let passed = 0;
let failed = 0;
for (const { name, fn } of tests) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}\n  ${error instanceof Error ? error.message : String(error)}`);
  }
}
console.log(`${runtime}: ${passed} passed, ${failed} failed`);
if (failed > 0) globalThis.process?.exit?.(1);
