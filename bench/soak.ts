// One million calls through one batcher with about 1% of each kind of fault injected, on
// real timers. Counts resolved, rejected and lost calls, and the heap before and after.
//   npm run soak            (CALLS=n to change)
import { batched, type BatchContext } from '../src/index.js';

const CALLS = Number(process.env.CALLS ?? 1_000_000);
const WAVE = 2_000; // calls in flight at once
const FAULT_RATE = 0.01;

type Fault = 'throw' | 'reject' | 'wrongLength' | 'errorSlot' | 'hang' | 'badOutput';
const FAULTS: Fault[] = ['throw', 'reject', 'wrongLength', 'errorSlot', 'hang', 'badOutput'];

function pickFault(): Fault | undefined {
  return Math.random() < FAULT_RATE * FAULTS.length ? FAULTS[Math.floor(Math.random() * FAULTS.length)] : undefined;
}

const mb = (bytes: number) => bytes / 2 ** 20;

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  if (!globalThis.gc) throw new Error('run with --expose-gc (npm run soak does)');
  const predict = batched(
    async (items: number[], { signal }: BatchContext) => {
      const fault = pickFault();
      if (fault === 'throw') throw new Error('injected throw');
      await new Promise((resolve) => setImmediate(resolve));
      if (fault === 'reject') throw new Error('injected rejection');
      if (fault === 'wrongLength') return items.slice(1);
      if (fault === 'hang') await new Promise((resolve) => signal.addEventListener('abort', resolve)); // until batchTimeout
      return items.map((x) =>
        fault === 'errorSlot' && x % 2 ? new Error('injected slot error') : fault === 'badOutput' ? -1 : x,
      );
    },
    { delay: 0, maxBatchSize: 64, concurrency: 4, batchTimeout: 50, output: (y: number) => y >= 0 },
  );

  const heapBefore = await heapAfterGc();
  const started = performance.now();
  let resolved = 0;
  let rejected = 0;
  let settledTwice = 0;
  let issued = 0;
  while (issued < CALLS) {
    const wave: Promise<void>[] = [];
    for (let i = 0; i < WAVE && issued < CALLS; i++, issued++) {
      const item = issued;
      // About 1% of callers abort and 1% have a deadline too short to meet.
      const roll = Math.random();
      const controller = roll < FAULT_RATE ? new AbortController() : undefined;
      const timeout = roll >= FAULT_RATE && roll < 2 * FAULT_RATE ? 1 : undefined;
      let settles = 0;
      wave.push(
        predict(item, { signal: controller?.signal, timeout }).then(
          (value) => {
            if (++settles > 1) settledTwice++;
            if (value !== item) throw new Error(`call ${item} got ${value}`);
            resolved++;
          },
          () => {
            if (++settles > 1) settledTwice++;
            rejected++;
          },
        ),
      );
      if (controller) setImmediate(() => controller.abort(new Error('injected abort')));
    }
    await Promise.all(wave);
  }
  await predict.close();
  const seconds = (performance.now() - started) / 1_000;
  const lost = issued - resolved - rejected;
  const stats = predict.stats();
  const heapAfter = await heapAfterGc();
  console.log(
    `calls ${issued}: resolved ${resolved}, rejected ${rejected}, lost ${lost}, settled twice ${settledTwice}`,
  );
  console.log(
    `batches ${stats.batches}, mean size ${stats.meanBatchSize.toFixed(1)}, queued after close ${stats.queued}, running ${stats.running}`,
  );
  console.log(`wall ${seconds.toFixed(1)} s (${Math.round(issued / seconds)} calls/s)`);
  console.log(`heap after forced GC: ${mb(heapBefore).toFixed(1)} MB before, ${mb(heapAfter).toFixed(1)} MB after`);
  console.log(
    `soak: calls=${issued} lost=${lost + settledTwice} heap_growth_mb=${mb(heapAfter - heapBefore).toFixed(2)}`,
  );
}

void main();
