import type { BatchContext } from '../../src/index.js';

/** A batch function that records every batch it receives and answers after `runMs`. */
export function recordingBatchFn<I, O>(answer: (item: I) => O, runMs = 0) {
  const calls: I[][] = [];
  let running = 0;
  let maxRunning = 0;
  const fn = async (batch: I[]): Promise<O[]> => {
    calls.push([...batch]);
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      if (runMs > 0) await new Promise((resolve) => setTimeout(resolve, runMs));
      return batch.map(answer);
    } finally {
      running--;
    }
  };
  return { fn, calls, maxRunning: () => maxRunning };
}

/** Records how each promise settled, so tests can assert settlement without awaiting. */
export function track<T>(promise: Promise<T>) {
  const state: { status: 'pending' | 'resolved' | 'rejected'; value?: T; reason?: unknown; settles: number } = {
    status: 'pending',
    settles: 0,
  };
  promise.then(
    (value) => Object.assign(state, { status: 'resolved', value, settles: state.settles + 1 }),
    (reason: unknown) => Object.assign(state, { status: 'rejected', reason, settles: state.settles + 1 }),
  );
  return state;
}

/** Lets every pending microtask (promise callbacks) run, without moving fake time. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/**
 * A batch method whose batches stay running until the test settles them: `resolve(values)`
 * with chosen results, or `finish(i)` to answer batch i with its own items and let it settle.
 */
export function manualBatchFn<T>() {
  const batches: { items: T[]; context: BatchContext; resolve: (values: T[]) => void }[] = [];
  const fn = (items: T[], context: BatchContext) =>
    new Promise<T[]>((resolve) => batches.push({ items: [...items], context, resolve }));
  const finish = async (index: number) => {
    batches[index]!.resolve(batches[index]!.items);
    await flushMicrotasks();
  };
  return { fn, batches, finish };
}

/**
 * A simulated accelerator: a batch of n items takes `a + b·n` ms on a timer and no CPU, as a
 * GPU model looks to the Node process. Records every batch; answers each item with itself.
 */
export function simulatedModel<T>(a: number, b: number) {
  const calls: T[][] = [];
  const fn = async (batch: T[]): Promise<T[]> => {
    calls.push([...batch]);
    await new Promise((resolve) => setTimeout(resolve, a + b * batch.length));
    return batch;
  };
  return { fn, calls };
}

/** `stats().rejectedBy` before anything was rejected: every reason at 0. */
export const NO_REJECTIONS = {
  queueFull: 0,
  closed: 0,
  badInput: 0,
  timeout: 0,
  abort: 0,
  shed: 0,
  batchError: 0,
  batchTimeout: 0,
  contract: 0,
  resultError: 0,
} as const;
