// The engine's own cost per item, with a trivial batch method, measured against its peers in
// the same process, in alternating rounds. Medians over rounds. Two workloads:
// - bulk: ITEMS calls in one tick, `delay: 0`, batches of 100;
// - closed loop: 64 callers, each awaiting its result and calling again, ITEMS calls in all
//   (a server's shape: batches form from whoever is waiting).
//   npm run bench:overhead            (ROUNDS=n ITEMS=n to change the workload)
import { BATCH, contenders, source, type Load } from './contenders.js';
import { median, round, table } from './stats.js';

const ITEMS = Number(process.env.ITEMS ?? 100_000);
const ROUNDS = Math.max(9, Number(process.env.ROUNDS ?? 15));
const CALLERS = 64;

/** Bulk: every call in one tick; ns per item. */
async function measureBulk(makeLoad: () => Load): Promise<number> {
  const load = makeLoad();
  const promises = new Array<Promise<unknown>>(ITEMS);
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITEMS; i++) promises[i] = load(i);
  const results = await Promise.all(promises);
  const elapsed = Number(process.hrtime.bigint() - started);
  if (results[ITEMS - 1] !== ITEMS - 1) throw new Error('wrong result: the benchmark measured nothing');
  return elapsed / ITEMS;
}

/** Closed loop: CALLERS callers, each awaiting its result before its next call; ns per call. */
async function measureClosedLoop(makeLoad: () => Load): Promise<number> {
  const load = makeLoad();
  const perCaller = Math.ceil(ITEMS / CALLERS);
  let wrong = 0;
  const caller = async (id: number): Promise<void> => {
    for (let i = 0; i < perCaller; i++) if ((await load(id * perCaller + i)) !== id * perCaller + i) wrong++;
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CALLERS }, (_, id) => caller(id)));
  const elapsed = Number(process.hrtime.bigint() - started);
  if (wrong > 0) throw new Error(`${wrong} wrong results: the benchmark measured nothing`);
  return elapsed / (perCaller * CALLERS);
}

/** Median ns per item of each contender, measured in rounds that rotate the order. */
async function rounds(names: string[], measure: (makeLoad: () => Load) => Promise<number>) {
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) await measure(contenders[name]!); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round, so no contender always runs first after a GC.
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length]!;
      globalThis.gc?.();
      samples[name]!.push(await measure(contenders[name]!));
    }
  }
  return Object.fromEntries(names.map((name) => [name, { median: median(samples[name]!), samples: samples[name]! }]));
}

function print(title: string, results: Awaited<ReturnType<typeof rounds>>): void {
  const ours = results['batched-fn']!.median;
  console.log(`\n${title}\n`);
  console.log(
    table(
      ['library', 'ns/item', 'vs batched-fn', 'min', 'max'],
      Object.entries(results).map(([name, { median, samples }]) => [
        name,
        round(median, 1),
        `${round(median / ours)}x`,
        round(Math.min(...samples), 1),
        round(Math.max(...samples), 1),
      ]),
    ),
  );
}

async function main(): Promise<void> {
  console.log(`batched-fn from ${source}; node ${process.version}; medians of ${ROUNDS} alternating rounds`);
  const bulk = await rounds(Object.keys(contenders), measureBulk);
  print(`bulk: ${ITEMS} calls in one tick, batches of ${BATCH}`, bulk);
  // The floor and batshit have no closed-loop form here (the floor only fires on full batches).
  const closed = await rounds(['batched-fn', 'dataloader', 'promise-batcher'], measureClosedLoop);
  print(`closed loop: ${CALLERS} callers, ${ITEMS} calls in all`, closed);
  const ours = bulk['batched-fn']!.median;
  console.log(
    `\noverhead: ns_per_item=${round(ours, 1)} dataloader_ratio=${round(ours / bulk['dataloader']!.median, 3)} floor_ratio=${round(ours / bulk['floor']!.median, 3)} closed_loop_ratio=${round(closed['batched-fn']!.median / closed['dataloader']!.median, 3)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
