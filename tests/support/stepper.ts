import type { StreamContext } from '../../src/index.js';
import { flushMicrotasks } from './recorder.js';

/** One run of a stepped streaming method: what it received, and whether it was closed. */
export interface SteppedRun {
  /** The batch array the method received (it grows as calls join). */
  readonly batch: unknown[];
  readonly context: StreamContext;
  /** Steps it has yielded so far. */
  yielded: number;
  /** Its `finally` ran: it returned, threw or was closed by `return()`. */
  finished: boolean;
  /** Closed by the library's `return()` before it chose to return. */
  closed: boolean;
}

const RETURN = Symbol('return');
const THROW = Symbol('throw');

/**
 * A streaming batch method whose steps the test releases one at a time, with no clock:
 * `step(run, entries)` makes run `run` yield `entries`; `finish(run)` makes it return;
 * `fail(run, error)` makes it throw.
 */
export function stepper() {
  const runs: SteppedRun[] = [];
  const gates = new Map<number, (next: unknown) => void>();
  async function* fn(batch: unknown[], context: StreamContext): AsyncGenerator<readonly unknown[]> {
    const run: SteppedRun = { batch, context, yielded: 0, finished: false, closed: true };
    const index = runs.push(run) - 1;
    try {
      for (;;) {
        const next = await new Promise<unknown>((resolve) => gates.set(index, resolve));
        if (next === RETURN) {
          run.closed = false;
          return;
        }
        if (Array.isArray(next) && next[0] === THROW) {
          run.closed = false;
          throw next[1];
        }
        run.yielded++;
        yield next as unknown[];
      }
    } finally {
      run.finished = true;
    }
  }
  const release = async (index: number, next: unknown) => {
    await flushMicrotasks();
    const gate = gates.get(index);
    if (gate === undefined) throw new Error(`run ${index} is not waiting for a step`);
    gates.delete(index);
    gate(next);
    await flushMicrotasks();
  };
  return {
    fn,
    runs,
    step: (index: number, entries: readonly unknown[]) => release(index, entries),
    finish: (index: number) => release(index, RETURN),
    fail: (index: number, error: unknown) => release(index, [THROW, error]),
  };
}

/** Reads a stream into an array as chunks come, recording how it ended. */
export function reader<T>(stream: AsyncIterable<T>, stopAfter = Infinity) {
  const state: { chunks: T[]; done: boolean; error: unknown; ends: number } = {
    chunks: [],
    done: false,
    error: undefined,
    ends: 0,
  };
  void (async () => {
    try {
      for await (const chunk of stream) {
        state.chunks.push(chunk);
        if (state.chunks.length >= stopAfter) break;
      }
    } catch (error) {
      state.error = error;
    }
    state.done = true;
    state.ends++;
  })();
  return state;
}
