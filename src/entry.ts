import type { Partition } from './batch-queue.js';
import type { RunningBatch } from './running-batch.js';

export const QUEUED = 0;
export const RUNNING = 1;
export const SETTLED = 2;
export type EntryState = typeof QUEUED | typeof RUNNING | typeof SETTLED;

/** A `drain()` waiting for a number of calls to settle and batch methods to return. */
export interface Drain {
  remaining: number;
  resolve(): void;
}

/** Counts one awaited call or batch out of each drain that waits for it. */
export function releaseDrains(drains: Drain[] | undefined): void {
  if (drains === undefined) return;
  for (const drain of drains) if (--drain.remaining === 0) drain.resolve();
}

/**
 * One call: its item, how to settle its caller's promise, and where it is in its life. The
 * engine allocates exactly this object and the caller's promise per call (`promiseFor`).
 */
export class Entry<I> {
  state: EntryState = QUEUED;
  resolve!: (value: unknown) => void;
  reject!: (reason: unknown) => void;
  /** The batch it runs in, so that a caller leaving early can be counted out of it. */
  batch: RunningBatch | undefined = undefined;
  /** Removes the abort listener and deadline timer; set only for calls that have one. */
  detach: (() => void) | undefined = undefined;
  /** Drains waiting on this call; set only while someone drains. */
  drains: Drain[] | undefined = undefined;
  /** When its deadline passes, on the engine's exact clock; `Infinity` for a call without one. */
  deadlineAt = Infinity;
  /** The partition it waits in, while it is queued. */
  partition: Partition | undefined = undefined;

  constructor(
    readonly item: I,
    readonly seq: number,
    /** Whole ms on the monotonic clock: a small integer, which V8 keeps unboxed. */
    readonly enqueuedAt: number,
    /** Its weight against `maxBatchCost`; 0 without a cost budget. */
    readonly cost: number,
  ) {}
}

/** Makes the caller's promise of an entry. A shared executor, not an arrow function: no closure per call. */
export function promiseFor(entry: Entry<unknown>): Promise<unknown> {
  capturing = entry;
  const promise = new Promise(captureSettlers);
  capturing = undefined;
  return promise;
}

let capturing: Entry<unknown> | undefined;

function captureSettlers(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  capturing!.resolve = resolve;
  capturing!.reject = reject;
}
