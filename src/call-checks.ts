import { describeValue, messageOf } from './describe.js';
import { optionProblem, type ResolvedOptions } from './options.js';
import type { CallOptions } from './types.js';

/**
 * What the engine checks of one call before it queues it: the call options, and what the
 * user's `cost` and `partitionBy` make of the item. A problem rejects that call only.
 */

/** Why the per-call options are unusable, or undefined when they are fine. */
export function callOptionsProblem(call: unknown): string | undefined {
  if (typeof call !== 'object' || call === null)
    return `Expected call options to be an object, got ${describeValue(call)}`;
  const { signal, timeout, priority } = call as CallOptions;
  if (signal !== undefined && !isAbortSignal(signal)) {
    return `Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`;
  }
  if (priority !== undefined && !Number.isSafeInteger(priority)) {
    return `Expected \`priority\` to be an integer, got ${describeValue(priority)}`;
  }
  // The same rule, and message, as the `timeout` option.
  return timeout === undefined ? undefined : optionProblem('timeout', timeout);
}

/** The item's cost: a finite number >= 0 within `maxBatchCost`, or a thrown TypeError/RangeError. */
export function costOf(item: unknown, options: ResolvedOptions, name: string): number {
  if (options.cost === undefined) return 0;
  let cost: unknown;
  try {
    cost = options.cost(item);
  } catch (cause) {
    throw new TypeError(`${name}: the \`cost\` function threw: ${messageOf(cause)}`, { cause });
  }
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
    throw new TypeError(`${name}: Expected \`cost\` to return a finite number >= 0, got ${describeValue(cost)}`);
  }
  if (cost > options.maxBatchCost) {
    throw new RangeError(
      `${name}: the item's cost ${cost} is above maxBatchCost ${options.maxBatchCost}, so it can never fit in a batch`,
    );
  }
  return cost;
}

/** The item's partition key (a string or a finite number), undefined without `partitionBy`, or a thrown TypeError. */
export function partitionKeyOf(item: unknown, options: ResolvedOptions, name: string): string | number | undefined {
  if (options.partitionBy === undefined) return undefined;
  let key: unknown;
  try {
    key = options.partitionBy(item);
  } catch (cause) {
    throw new TypeError(`${name}: the \`partitionBy\` function threw: ${messageOf(cause)}`, { cause });
  }
  if (typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key))) return key;
  throw new TypeError(
    `${name}: Expected \`partitionBy\` to return a string or a finite number, got ${describeValue(key)}`,
  );
}

/** Duck-typed, so that a signal from another realm (a jest sandbox, a polyfill) is accepted. */
function isAbortSignal(value: unknown): value is AbortSignal {
  const signal = value as Partial<AbortSignal> | null;
  return (
    typeof signal === 'object' &&
    signal !== null &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function'
  );
}
