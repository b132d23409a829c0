import { batched } from '../src/index.js';
import { nextTurn, warn } from '../src/runtime.js';
import { flushMicrotasks, track } from './support/recorder.js';

// src/runtime.ts: where a host lacks setImmediate or process.emitWarning (a browser, a worker,
// an edge runtime), a 0 ms timer and console.warn stand in.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Runs `body` with a global taken away, then puts it back. */
async function without(name: 'setImmediate' | 'process', body: () => Promise<void>): Promise<void> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, name)!;
  delete (globalThis as Record<string, unknown>)[name];
  try {
    await body();
  } finally {
    Object.defineProperty(globalThis, name, saved);
  }
}

test('without setImmediate, delay 0 still batches one tick, through a 0 ms timer', async () => {
  await without('setImmediate', async () => {
    const batches: number[][] = [];
    const f = batched(async (xs: number[]) => (batches.push([...xs]), xs), { delay: 0 });
    const results = [1, 2, 3].map((x) => track(f(x)));
    await flushMicrotasks();
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(results.map((r) => r.value)).toEqual([1, 2, 3]);
  });
});

test('a turn can be cancelled either way', async () => {
  const ran: string[] = [];
  nextTurn(() => ran.push('kept'));
  nextTurn(() => ran.push('cancelled')).cancel();
  await without('setImmediate', async () => {
    nextTurn(() => ran.push('timer kept'));
    nextTurn(() => ran.push('timer cancelled')).cancel();
    await jest.advanceTimersByTimeAsync(0);
  });
  await jest.advanceTimersByTimeAsync(0);
  expect(ran.sort()).toEqual(['kept', 'timer kept']);
});

test('without process, a warning goes to console.warn', async () => {
  const consoleWarn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  await without('process', async () => warn('the onBatch hook threw', 'BatchedWarning'));
  expect(consoleWarn).toHaveBeenCalledWith('BatchedWarning: the onBatch hook threw');
  consoleWarn.mockRestore();
});
