// The engine's own cost per item, with a trivial batch method and batches of 100, measured
// against its peers in the same process, in alternating rounds. Medians over rounds.
//   npm run bench:overhead            (ROUNDS=n ITEMS=n to change the workload)
import { create as createBatshit, maxBatchSizeScheduler } from '@yornaath/batshit';
import DataLoader from 'dataloader';
import { Batcher as PromiseBatcher } from 'promise-batcher';
import { batched } from '../src/index.js';
import { median, round, table } from './stats.js';

const ITEMS = Number(process.env.ITEMS ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const BATCH = 100;

type Load = (item: number) => Promise<unknown>;

/** Each contender makes a fresh per-item function for a round. */
const contenders: Record<string, () => Load> = {
  'batched-fn': () => batched(async (items: number[]) => items, { delay: 0, maxBatchSize: BATCH }),
  dataloader: () => {
    const loader = new DataLoader(async (keys: readonly number[]) => keys, { cache: false, maxBatchSize: BATCH });
    return (item) => loader.load(item);
  },
  'promise-batcher': () => {
    const batcher = new PromiseBatcher<number, number>({
      batchingFunction: async (inputs) => inputs,
      maxBatchSize: BATCH,
      queuingDelay: 0,
    });
    return (item) => batcher.getResult(item);
  },
  '@yornaath/batshit': () => {
    const batcher = createBatshit({
      fetcher: async (queries: number[]) => queries,
      resolver: (_results: number[], query: number) => query,
      scheduler: maxBatchSizeScheduler({ maxBatchSize: BATCH }),
    });
    return (item) => batcher.fetch(item);
  },
  // The floor: one promise allocated and resolved per item, resolved a batch at a time.
  floor: () => {
    let resolvers: ((value: number) => void)[] = [];
    let items: number[] = [];
    return (item) => {
      const promise = new Promise<number>((resolve) => resolvers.push(resolve));
      items.push(item);
      if (items.length === BATCH) {
        const [batchResolvers, batchItems] = [resolvers, items];
        [resolvers, items] = [[], []];
        void Promise.resolve(batchItems).then((results) =>
          batchResolvers.forEach((resolve, i) => resolve(results[i]!)),
        );
      }
      return promise;
    };
  },
};

async function measure(makeLoad: () => Load): Promise<number> {
  const load = makeLoad();
  const promises = new Array<Promise<unknown>>(ITEMS);
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITEMS; i++) promises[i] = load(i);
  const results = await Promise.all(promises);
  const elapsed = Number(process.hrtime.bigint() - started);
  if (results[ITEMS - 1] !== ITEMS - 1) throw new Error('wrong result: the benchmark measured nothing');
  return elapsed / ITEMS;
}

async function main(): Promise<void> {
  const names = Object.keys(contenders);
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
  const ns = Object.fromEntries(names.map((name) => [name, median(samples[name]!)]));
  const ours = ns['batched-fn']!;
  console.log(
    `per-item cost, ${ITEMS} items in batches of ${BATCH}, median of ${ROUNDS} rounds (node ${process.version})\n`,
  );
  console.log(
    table(
      ['library', 'ns/item', 'vs batched-fn', 'min', 'max'],
      names.map((name) => [
        name,
        round(ns[name]!, 1),
        `${round(ns[name]! / ours)}x`,
        round(Math.min(...samples[name]!), 1),
        round(Math.max(...samples[name]!), 1),
      ]),
    ),
  );
  console.log(
    `\noverhead: ns_per_item=${round(ours, 1)} dataloader_ratio=${round(ours / ns['dataloader']!, 3)} floor_ratio=${round(ours / ns['floor']!, 3)}`,
  );
}

void main();
