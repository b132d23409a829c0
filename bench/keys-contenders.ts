// The keyed loaders that bench:keys compares, each over the same backend: a function that takes
// a batch of keys and returns one value per key, in order. batched-fn with `key`, with `key` and
// `cache`, and without either; DataLoader with its cache on and off; batshit (which dedupes
// the queries of one batch).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { create as createBatshit, windowedFiniteBatchScheduler } from '@yornaath/batshit';
import DataLoader from 'dataloader';
import { seededRandom } from './open-loop.js';

const built = join(__dirname, '..', 'dist', 'cjs', 'index.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a path chosen at run time
const { batched } = require(existsSync(built) ? built : '../src/index.js') as typeof import('../src/index.js');

/** `BASELINE=<a build's dist/cjs/index.js>` (scripts/build-baseline.sh) adds the build before, without keys. */
const baselinePath = process.env.BASELINE;
const baseline =
  baselinePath === undefined || baselinePath === ''
    ? undefined
    : // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path chosen at run time
      (require(baselinePath) as typeof import('../src/index.js'));

export const BATCH = 100;

export type Backend<V> = (keys: readonly number[]) => Promise<V[]>;
export type KeyedLoad<V> = (key: number) => Promise<V>;

export const KEY_ONLY = 'batched-fn key';
export const KEY_CACHE = 'batched-fn key+cache';
export const PLAIN = 'batched-fn plain';
export const DATALOADER_CACHE = 'dataloader cache';

/** Each contender makes a fresh loader (an empty cache) over `backend`. */
export const keyedContenders: Record<string, <V>(backend: Backend<V>) => KeyedLoad<V>> = {
  [KEY_ONLY]: (backend) => batched((keys: number[]) => backend(keys), { delay: 0, maxBatchSize: BATCH, key: (k) => k }),
  [KEY_CACHE]: (backend) =>
    batched((keys: number[]) => backend(keys), { delay: 0, maxBatchSize: BATCH, key: (k) => k, cache: true }),
  [PLAIN]: (backend) => batched((keys: number[]) => backend(keys), { delay: 0, maxBatchSize: BATCH }),
  [DATALOADER_CACHE]: (backend) => {
    const loader = new DataLoader((keys: readonly number[]) => backend(keys), { maxBatchSize: BATCH });
    return (key) => loader.load(key);
  },
  'dataloader no cache': (backend) => {
    const loader = new DataLoader((keys: readonly number[]) => backend(keys), { maxBatchSize: BATCH, cache: false });
    return (key) => loader.load(key);
  },
  '@yornaath/batshit': <V>(backend: Backend<V>) => {
    const batcher = createBatshit({
      fetcher: async (keys: number[]) => {
        const values = await backend(keys);
        return new Map(keys.map((key, i) => [key, values[i]!]));
      },
      resolver: (values: Map<number, V>, key: number) => values.get(key)!,
      scheduler: windowedFiniteBatchScheduler({ windowMs: 0, maxBatchSize: BATCH }),
    });
    return (key) => batcher.fetch(key);
  },
  ...(baseline === undefined
    ? {}
    : {
        baseline: <V>(backend: Backend<V>): KeyedLoad<V> =>
          baseline.batched((keys: number[]) => backend(keys), { delay: 0, maxBatchSize: BATCH }),
      }),
};

/** `count` keys from 0..keys-1 drawn from a Zipf law of `exponent` (key 0 the most popular), seeded. */
export function zipfKeys(count: number, keys: number, exponent: number, seed: number): number[] {
  const weights = Array.from({ length: keys }, (_, k) => 1 / (k + 1) ** exponent);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const weight of weights) cumulative.push((sum += weight / total));
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const u = random();
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}
