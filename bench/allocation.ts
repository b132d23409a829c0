// Bytes allocated per item, by phase, for this library and its peers. Run with a young
// generation big enough that no garbage collection runs while a phase is measured, so the
// growth of the heap is what the phase allocated (a sample during which a GC ran is dropped).
//   npm run bench:allocation
// Phases of the bulk workload (ITEMS calls in one tick, delay 0, batches of 100):
// - call: the synchronous loop that makes the calls (the caller's promise, the item's record);
// - settle: from there until every call has settled (batches run, results fan out; includes
//   the Promise.all that waits for them, the same for every contender).
// Closed loop: 64 callers each awaiting its result and calling again; everything per call.
// (The floor has no closed-loop form: it only fires on full batches.)
// Live: the heap that ITEMS pending calls hold (after a forced collection, before any has
// settled), per call: what every scavenge copies while they wait, and the main cost of a
// garbage collector's share of bulk profiles.
import { PerformanceObserver } from 'node:perf_hooks';
import { contenders, source, type Load } from './contenders.js';
import { median, round, table } from './stats.js';
import { bulk, closedLoop, type Meter } from './workloads.js';

const ITEMS = Number(process.env.ITEMS ?? 20_000);
const SAMPLES = 7;
const NAMES = ['batched-fn', 'dataloader', 'floor'];

let collections = 0;
new PerformanceObserver((list) => (collections += list.getEntries().length)).observe({ entryTypes: ['gc'] });
/** Lets the observer hear of collections that ran so far (it is told a little later). */
const settleObserver = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Runs `measure` after a forced collection; undefined if another collection ran during it. */
async function withoutCollections<T>(measure: () => Promise<T>): Promise<T | undefined> {
  globalThis.gc!();
  await settleObserver();
  const before = collections;
  const result = await measure();
  await settleObserver();
  return collections === before ? result : undefined;
}

/** Bytes on the JavaScript heap. */
const heap: Meter = () => process.memoryUsage().heapUsed;

/** Bytes that `items` pending calls keep alive: made in one tick, measured after a forced collection, before any settles. */
async function livePerPendingCall(load: Load, items: number): Promise<number> {
  const promises = new Array<Promise<unknown>>(items);
  globalThis.gc!();
  const before = heap();
  for (let i = 0; i < items; i++) promises[i] = load(i);
  globalThis.gc!(); // synchronous: no batch has returned, so every call is still pending
  const live = (heap() - before) / items;
  await Promise.all(promises);
  return live;
}

interface Phases {
  call: number;
  settle: number;
  /** NaN for the floor. */
  closed: number;
  live: number;
}

/** One sample, or undefined when a collection ran while it was measured. */
async function sample(name: string): Promise<Phases | undefined> {
  const bulkPhases = await withoutCollections(() => bulk(contenders[name]!(), ITEMS, heap));
  const closed = name === 'floor' ? NaN : await withoutCollections(() => closedLoop(contenders[name]!(), ITEMS, heap));
  const live = await livePerPendingCall(contenders[name]!(), ITEMS);
  return bulkPhases === undefined || closed === undefined ? undefined : { ...bulkPhases, closed, live };
}

async function main(): Promise<void> {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc (npm run bench:allocation)');
  const samples: Record<string, Phases[]> = Object.fromEntries(NAMES.map((name) => [name, []]));
  let dropped = 0;
  for (const name of NAMES) await sample(name); // warm-up
  for (let r = 0; r < SAMPLES; r++) {
    for (const name of NAMES) {
      const result = await sample(name);
      if (result === undefined) dropped++;
      else samples[name]!.push(result);
    }
  }
  console.log(`batched-fn from ${source}; node ${process.version}; medians of up to ${SAMPLES} samples`);
  console.log(`bytes allocated per item (${ITEMS} items; ${dropped} samples dropped because a GC ran)\n`);
  const rows = NAMES.map((name) => {
    const of = (phase: keyof Phases) => round(median(samples[name]!.map((s) => s[phase])), 0);
    const closed = name === 'floor' ? '-' : of('closed');
    return [name, of('call'), of('settle'), of('call') + of('settle'), closed, of('live'), samples[name]!.length];
  });
  console.log(
    table(['library', 'bulk: call', 'bulk: settle', 'bulk: total', 'closed loop', 'live/pending', 'samples'], rows),
  );
  const ours = rows[0]!;
  const dataloader = rows[1]!;
  const floor = rows[2]!;
  console.log(`\nlive: bytes_per_pending_call=${ours[5]} dataloader=${dataloader[5]} floor=${floor[5]}`);
  console.log(
    `allocation: bulk_bytes_per_item=${ours[3]} dataloader_bulk=${dataloader[3]} closed_bytes_per_item=${ours[4]} dataloader_closed=${dataloader[4]}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
