// The per-item loaders that the overhead benchmarks compare: this library and its peers, each
// batching a trivial method (items in, the same items out) into batches of BATCH.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { create as createBatshit, maxBatchSizeScheduler } from '@yornaath/batshit';
import DataLoader from 'dataloader';
import { Batcher as PromiseBatcher } from 'promise-batcher';

/**
 * The built package, as users run it, when it is there (the scripts build it first). From
 * src/, tsx's CommonJS output reads every imported constant through a getter, which would be
 * measured too.
 */
const built = join(__dirname, '..', 'dist', 'cjs', 'index.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a path chosen at run time
const { batched } = require(existsSync(built) ? built : '../src/index.js') as typeof import('../src/index.js');
export const source = existsSync(built) ? 'dist/cjs (built)' : 'src/ through tsx (run npm run build first)';

export const BATCH = 100;

/**
 * A/B: `BASELINE=<a checkout or its dist/cjs/index.js>` adds that build as one more contender,
 * `baseline`, measured in the same rounds, so a change is credited against the build before
 * it in one process rather than across two runs on a noisy machine.
 */
const baselinePath = process.env.BASELINE;
const baseline =
  baselinePath === undefined || baselinePath === ''
    ? undefined
    : // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path chosen at run time
      (require(
        baselinePath.endsWith('.js') ? baselinePath : join(baselinePath, 'dist', 'cjs', 'index.js'),
      ) as typeof import('../src/index.js'));
export const baselineSource = baselinePath;

export type Load = (item: number) => Promise<unknown>;

/** Each contender makes a fresh per-item function for a round. */
export const contenders: Record<string, () => Load> = {
  'batched-fn': () => batched(async (items: number[]) => items, { delay: 0, maxBatchSize: BATCH }),
  dataloader: () => {
    const loader = new DataLoader(async (keys: readonly number[]) => keys, { cache: false, maxBatchSize: BATCH });
    return (item) => loader.load(item);
  },
  // DataLoader under this library's `delay: 0` contract (contract §2): its batch goes at the end
  // of the event loop's turn (setImmediate), not when the microtask queue empties. What the
  // hop costs a closed loop is the difference between the two DataLoaders.
  'dataloader (end of turn)': () => {
    const loader = new DataLoader(async (keys: readonly number[]) => keys, {
      cache: false,
      maxBatchSize: BATCH,
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    });
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
  ...(baseline === undefined
    ? {}
    : { baseline: () => baseline.batched(async (items: number[]) => items, { delay: 0, maxBatchSize: BATCH }) }),
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
