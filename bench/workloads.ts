// The two workloads of the overhead benchmarks, with a meter read at their phase boundaries:
// the clock for bench:overhead, the heap's size for bench:allocation.
import type { Load } from './contenders.js';

export const CALLERS = 64;

/** A meter: read at each phase boundary, its difference divided by the calls made. */
export type Meter = () => number;

/** Nanoseconds on a monotonic clock. */
export const nanoseconds: Meter = () => Number(process.hrtime.bigint());

/** Bulk: `items` calls in one tick (call), then until every one has settled (settle); per call. */
export async function bulk(load: Load, items: number, meter: Meter): Promise<{ call: number; settle: number }> {
  const promises = new Array<Promise<unknown>>(items);
  const start = meter();
  for (let i = 0; i < items; i++) promises[i] = load(i);
  const called = meter();
  const results = await Promise.all(promises);
  const settled = meter();
  if (results[items - 1] !== items - 1) throw new Error('wrong result: the benchmark measured nothing');
  return { call: (called - start) / items, settle: (settled - called) / items };
}

/** Closed loop: CALLERS callers, each awaiting its result before its next call, about `items` calls in all; per call. */
export async function closedLoop(load: Load, items: number, meter: Meter): Promise<number> {
  const perCaller = Math.ceil(items / CALLERS);
  let wrong = 0;
  const caller = async (id: number): Promise<void> => {
    for (let i = 0; i < perCaller; i++) if ((await load(id * perCaller + i)) !== id * perCaller + i) wrong++;
  };
  const start = meter();
  await Promise.all(Array.from({ length: CALLERS }, (_, id) => caller(id)));
  const perCall = (meter() - start) / (perCaller * CALLERS);
  if (wrong > 0) throw new Error(`${wrong} wrong results: the benchmark measured nothing`);
  return perCall;
}
