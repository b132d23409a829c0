import { isError, messageOf, notOneResultPerItem, plural } from './describe.js';
import { BatchContractError } from './errors.js';
import type { RejectionReason } from './types.js';

/**
 * What `resultAt` returns for a result slot that rejects its caller; `rejected` then says with
 * what. Told apart by identity, not `instanceof`: a result may be a proxy whose every trap
 * throws. (One shared record, read right after, as `captured` is: no object per rejection.)
 */
export const REJECTED: unique symbol = Symbol('rejected');

/** The reason of the last slot `resultAt` found rejecting, and how it is counted. */
export const rejected: { error: unknown; why: RejectionReason } = { error: undefined, why: 'contract' };

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
 * contract §4: what result `i` settles its caller with: the result, or REJECTED when it is an
 * `Error` (that caller rejects with it), fails the `output` check, or cannot be read (a getter
 * or proxy that throws).
 */
export function resultAt(
  results: readonly unknown[],
  i: number,
  name: string,
  output: ((result: unknown) => string | undefined) | undefined,
): unknown {
  let result: unknown;
  try {
    result = results[i];
  } catch (cause) {
    const error = new BatchContractError(`${name}: reading result ${i} threw: ${messageOf(cause)}`, { cause });
    return reject(error, 'contract');
  }
  if (isError(result)) return reject(result, 'resultError');
  const problem = output?.(result);
  if (problem === undefined) return result;
  return reject(new BatchContractError(`${name}: result ${i} failed the output check: ${problem}`), 'contract');
}

/** The error of the last rejecting slot, let go of here so that the record keeps nothing alive. */
export function takeRejectedError(): unknown {
  const { error } = rejected;
  rejected.error = undefined;
  return error;
}

function reject(error: unknown, why: RejectionReason): typeof REJECTED {
  rejected.error = error;
  rejected.why = why;
  return REJECTED;
}
