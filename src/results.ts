import type { CallRecord, Settle } from './call-record.js';
import { isError, messageOf, notOneResultPerItem, plural } from './describe.js';
import { BatchContractError } from './errors.js';
import { settleCall } from './settle.js';
import type { Tally } from './tally.js';

/**
 * contract §4: the error that fails the whole batch when its method did not return one
 * result per item (not an array, or one of another length), or undefined when it did.
 */
export function wrongShape(results: unknown, size: number, name: string): BatchContractError | undefined {
  const got = notOneResultPerItem(results, size);
  if (got === undefined) return undefined;
  return new BatchContractError(
    `${name} returned ${got} for a batch of ${plural(size, 'item')}; expected an array with one result per item, in order`,
  );
}

/**
 * contract §4: settles the caller of result `i` with it, or rejects that caller when the
 * result is an `Error`, fails the `output` check, or cannot be read (a getter or proxy that
 * throws). Nothing here inspects the result beyond that: it may be a proxy whose every trap throws.
 */
export function settleResult(
  tally: Tally,
  settle: Settle,
  record: CallRecord | undefined,
  results: readonly unknown[],
  i: number,
  name: string,
  output: ((result: unknown) => string | undefined) | undefined,
): void {
  let result: unknown;
  try {
    result = results[i];
  } catch (cause) {
    const error = new BatchContractError(`${name}: reading result ${i} threw: ${messageOf(cause)}`, { cause });
    return settleCall(tally, settle, record, error, 'contract');
  }
  if (isError(result)) return settleCall(tally, settle, record, result, 'resultError');
  const problem = output?.(result);
  if (problem === undefined) return settleCall(tally, settle, record, result);
  const error = new BatchContractError(`${name}: result ${i} failed the output check: ${problem}`);
  settleCall(tally, settle, record, error, 'contract');
}
