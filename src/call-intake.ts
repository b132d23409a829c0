import { callOptionsProblem, costOf, partitionKeyOf } from './call-checks.js';
import { CallRecord, type Settle, watch } from './call-record.js';
import { exactNow } from './clock.js';
import { QueueFullError, TimeoutError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { KeyedCalls, KeyEntry } from './keyed-calls.js';
import type { OverloadControl } from './overload.js';
import type { CallOptions, RejectionReason } from './types.js';

/** A call that passed its checks: where it queues, and what it needs watched. */
export interface Admitted {
  readonly priority: number;
  readonly cost: number;
  readonly key: string | number | undefined;
  /** Its deadline in ms from `at`, or undefined for none. */
  readonly timeout: number | undefined;
  /**
   * Whether the engine times it out when its deadline passes: not a stream's call, whose
   * deadline is on its first chunk and watched by its stream (contract §12); the engine
   * still knows the deadline, to shed by.
   */
  readonly timesOut: boolean;
  /** When it arrived on the exact clock, read only for a deadline; else -1. */
  readonly at: number;
  /** `at + timeout`, or Infinity. */
  readonly deadlineAt: number;
  /** With `key` or `cache`: its key (contract §11); else undefined. */
  readonly slotKey: unknown;
  /** With `key` or `cache`: the queued slot or cache entry it joins, or undefined for a slot of its own. */
  readonly found: KeyEntry | undefined;
}

/** A call refused before it queues: the reason it rejects with, and how it is counted. */
export interface Refused {
  readonly reason: unknown;
  readonly why: RejectionReason;
}

/**
 * The checks of a call with call options, or under options that check or weigh every call
 * (`input`, `cost`, `partitionBy`, `timeout`), in the contract's order: the call options, an
 * aborted signal, the input check, cost and key, a full queue, then, for a call with a
 * deadline, whether it is shed on arrival (contract §10). A plain call skips all of it.
 */
export function admit(
  item: unknown,
  call: CallOptions | undefined,
  options: ResolvedOptions,
  name: string,
  queued: number,
  overload: OverloadControl,
  keys: KeyedCalls | undefined,
): Admitted | Refused {
  let priority = 0;
  if (call !== undefined) {
    const problem = callOptionsProblem(call);
    if (problem !== undefined) return { reason: new TypeError(`${name}: ${problem}`), why: 'badInput' };
    if (call.signal?.aborted) return { reason: call.signal.reason, why: 'abort' };
    priority = call.priority ?? 0;
  }
  if (options.input !== undefined) {
    const problem = options.input(item);
    if (problem !== undefined)
      return { reason: new TypeError(`${name}: the input check failed: ${problem}`), why: 'badInput' };
  }
  let cost: number;
  let key: string | number | undefined;
  let slotKey: unknown;
  try {
    cost = costOf(item, options, name);
    key = partitionKeyOf(item, options, name);
    if (keys !== undefined) slotKey = keys.keyOf(item);
  } catch (error) {
    return { reason: error, why: 'badInput' };
  }
  // A call that joins a queued slot or a cache entry adds nothing to the queue: no queue is
  // full for it, and it is never shed on arrival (contract §11).
  const found = keys?.find(key, slotKey);
  if (found === undefined && queued >= options.maxQueueSize) return queueFull(options, name);
  // A call's own timeout wins over the option; Infinity means no deadline for this call.
  let timeout = call?.timeout ?? options.timeout;
  if (timeout === Infinity) timeout = undefined;
  // The exact clock is read once, and only for a deadline; else the timing policy reads what
  // it needs (a fixed window starts at the call, contract §3).
  const timesOut = options.stream !== true;
  if (timeout === undefined)
    return { priority, cost, key, timeout, timesOut, at: -1, deadlineAt: Infinity, slotKey, found };
  const at = exactNow();
  const deadlineAt = at + timeout;
  const refusal = found === undefined ? overload.refusal(at, deadlineAt, key, cost, priority) : undefined;
  if (refusal !== undefined) return { reason: refusal, why: 'shed' };
  return { priority, cost, key, timeout, timesOut, at, deadlineAt, slotKey, found };
}

/** The refusal of a call that finds the queue at `maxQueueSize`. */
export function queueFull(options: ResolvedOptions, name: string): Refused {
  const message = `${name}: the queue is full (maxQueueSize: ${options.maxQueueSize}); try again later`;
  return { reason: new QueueFullError(message), why: 'queueFull' };
}

/** Whether options make every call go through `admit` (a check, a cost, a key or a deadline per call). */
export function checksEveryCall(options: ResolvedOptions): boolean {
  return (
    options.input !== undefined ||
    options.cost !== undefined ||
    options.partitionBy !== undefined ||
    options.timeout !== undefined ||
    options.key !== undefined ||
    options.cache !== undefined
  );
}

/**
 * The record of an admitted call that can leave early (a signal, a deadline) or carries a
 * `meta` for onBatch, watched from now on: `leave` is called when it aborts or times out.
 * Undefined for a call that needs none: most calls have no record at all.
 */
export function recordFor(
  settle: Settle,
  call: CallOptions | undefined,
  admitted: Admitted,
  name: string,
  leave: (record: CallRecord, reason: unknown, why: RejectionReason) => void,
): CallRecord | undefined {
  const signal = call?.signal;
  const { timeout } = admitted;
  if (signal === undefined && timeout === undefined && call?.meta === undefined) return undefined;
  const record = new CallRecord(settle, admitted.cost, call?.meta);
  watchCall(record, call, admitted, name, leave);
  return record;
}

/** Arranges for a recorded call to leave when its signal aborts or its deadline passes. */
export function watchCall(
  record: CallRecord,
  call: CallOptions | undefined,
  admitted: Admitted,
  name: string,
  leave: (record: CallRecord, reason: unknown, why: RejectionReason) => void,
): void {
  record.deadlineAt = admitted.deadlineAt;
  const signal = call?.signal;
  const timeout = admitted.timesOut ? admitted.timeout : undefined;
  if (signal === undefined && timeout === undefined) return;
  const timedOut = () => new TimeoutError(`${name}: the call timed out after ${timeout} ms`);
  watch(record, signal, timeout, timedOut, leave);
}
