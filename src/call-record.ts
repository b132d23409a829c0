import { TimeoutError } from './errors.js';
import { keepHiddenClass } from './hidden-classes.js';
import type { Partition } from './batch-queue.js';
import type { RunningBatch } from './running-batch.js';
import type { RejectionReason } from './types.js';

/**
 * Settles a caller's promise: the promise's own resolve function. A rejection is passed to it
 * as a rejected promise (`rejection`), so that a pending call keeps one function alive, not
 * two: the reject function, kept per call, would be a fifth of a pending call's bytes.
 */
export type Settle = (value: unknown) => void;

/** What a call is settled with to reject it with `reason`. */
export function rejection(reason: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- may be a caller's signal.reason, passed on
  return Promise.reject(reason);
}

export const QUEUED = 0;
export const RUNNING = 1;
export const SETTLED = 2;
export type CallState = typeof QUEUED | typeof RUNNING | typeof SETTLED;

/**
 * What only some calls have: a signal or a deadline (they can leave before their batch
 * returns, so their state must be kept), a `meta` for `onBatch`. A call without them has no
 * record at all: its item, settler, sequence number and stamp sit in its lane's arrays
 * (`Lane`), and it settles once because its batch does, once.
 */
export class CallRecord {
  state: CallState = QUEUED;
  /** Removes the abort listener and deadline timer. */
  detach: (() => void) | undefined = undefined;
  /** When its deadline passes, on the engine's exact clock; `Infinity` for a call without one. */
  deadlineAt = Infinity;
  /** The partition it waits in, while it is queued. */
  partition: Partition | undefined = undefined;
  /** The batch it runs in, so that a caller leaving early can be counted out of it. */
  batch: RunningBatch | undefined = undefined;
  /** Set on a slot that several callers share (`key`, contract §11): settling it settles them. */
  shared: SharedSlot | undefined = undefined;

  constructor(
    readonly settle: Settle,
    /** Its weight against `maxBatchCost`; 0 without a cost budget. */
    readonly cost: number,
    /** What the caller passed as `call.meta`, for `onBatch`. */
    readonly meta: unknown,
  ) {}
}

/** A slot shared by several callers (`Slot`, src/slot.ts), as `settleCall` sees it. */
export interface SharedSlot {
  /** Settles every caller still waiting on the slot, each counted once under `why` (none: resolved). */
  settleCallers(value: unknown, why: RejectionReason | undefined, isRejection: boolean): void;
  /** How many callers waited on it when its batch left (onBatch's `callers`). */
  readonly callersWhenDispatched: number;
  /**
   * The slot rides in a batch being formed: each caller that `rides` says cannot make its own
   * deadline is told why (`told`) and leaves, while the others wait on (contract §11, `shed`).
   */
  dropCallers(rides: (caller: CallRecord) => boolean, told: (caller: CallRecord) => Told): void;
}

/** What a call that may not ride is told, and how its rejection is counted. */
export interface Told {
  readonly error: Error;
  readonly why: RejectionReason;
}

/**
 * Arranges for a call to leave early: `leave` is called with the signal's reason when it
 * aborts, or with `timedOut()` when its deadline passes, wherever the call is then. The
 * record's `detach` undoes both once the call settles.
 */
export function watch(
  record: CallRecord,
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  timedOut: () => unknown,
  leave: (record: CallRecord, reason: unknown, why: 'abort' | 'timeout') => void,
): void {
  // A signal that aborts with this library's TimeoutError is a deadline (a stream's, on its
  // first chunk, contract §12), and counted as one.
  const onAbort = (): void => {
    const reason: unknown = signal!.reason;
    leave(record, reason, reason instanceof TimeoutError ? 'timeout' : 'abort');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = timeout === undefined ? undefined : setTimeout(() => leave(record, timedOut(), 'timeout'), timeout);
  record.detach = () => {
    signal?.removeEventListener('abort', onAbort);
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** The caller's promise of a new call and its settler. A shared executor, not an arrow function: no closure per call. */
export function newCall(): Promise<unknown> {
  return new Promise(capture);
}

/** The settler of the promise `newCall` made last; read once, right after it. */
export let captured: Settle = () => undefined;

function capture(resolve: Settle): void {
  captured = resolve;
}

keepHiddenClass(new CallRecord(() => undefined, 0.5, undefined)); // a fractional cost: see hidden-classes.ts
