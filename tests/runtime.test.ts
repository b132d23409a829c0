import { MessageChannel } from 'node:worker_threads';
import { batched } from '../src/index.js';
import { nextTurn, warn } from '../src/runtime.js';
import { flushMicrotasks, track } from './support/recorder.js';

// src/runtime.ts: where a host lacks setImmediate (a browser, a worker), a MessageChannel
// message ends the turn; without that too (some edge runtimes), a 0 ms timer; without
// process.emitWarning, console.warn.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

type Global = 'setImmediate' | 'MessageChannel' | 'process';

/** Runs `body` with globals taken away, then puts them back. */
async function without(names: Global | Global[], body: () => Promise<void>): Promise<void> {
  const list = Array.isArray(names) ? names : [names];
  const saved = list.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)!] as const);
  for (const name of list) delete (globalThis as Record<string, unknown>)[name];
  try {
    await body();
  } finally {
    for (const [name, descriptor] of saved) Object.defineProperty(globalThis, name, descriptor);
  }
}

/** One real message round trip: a MessageChannel turn queued before it has run by then. */
function afterAMessage(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.once('message', () => {
      port1.close();
      resolve();
    });
    port2.postMessage(undefined);
  });
}

test('without setImmediate (a browser page), delay 0 batches one tick, through a MessageChannel message', async () => {
  jest.useRealTimers(); // a message is not a timer: fake timers neither hold nor run it
  await without('setImmediate', async () => {
    const batches: number[][] = [];
    const f = batched(async (xs: number[]) => (batches.push([...xs]), xs), { delay: 0 });
    const results = [1, 2, 3].map((x) => track(f(x)));
    await flushMicrotasks();
    expect(batches).toEqual([]);
    await afterAMessage();
    await flushMicrotasks();
    expect(batches).toEqual([[1, 2, 3]]);
    expect(results.map((r) => r.value)).toEqual([1, 2, 3]);
  });
});

test('a MessageChannel turn can be cancelled; one message runs every turn queued before it', async () => {
  jest.useRealTimers();
  const ran: string[] = [];
  await without('setImmediate', async () => {
    nextTurn(() => ran.push('first'));
    nextTurn(() => ran.push('cancelled')).cancel();
    nextTurn(() => ran.push('second'));
    await afterAMessage();
  });
  expect(ran).toEqual(['first', 'second']);
});

test('without setImmediate and MessageChannel, delay 0 still batches one tick, through a 0 ms timer', async () => {
  await without(['setImmediate', 'MessageChannel'], async () => {
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
  await without(['setImmediate', 'MessageChannel'], async () => {
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
