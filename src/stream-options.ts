import type { ResolvedOptions } from './options.js';

const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {
  /* its prototype is what a native `async *` function has */
}) as object;

/**
 * contract §12: whether a batch method streams (`stream: true`, or a native `async *` method
 * without `stream: false`), and the option errors of a combination that cannot be: `join`
 * without a streaming method, `key`, `cache` or `output` with one. Named by the caller.
 */
export function streams(fn: unknown, options: ResolvedOptions): boolean {
  const streaming = options.stream ?? isAsyncGeneratorFunction(fn);
  if (!streaming) {
    if (options.join)
      throw new TypeError('Expected `join` only on a streaming method (an `async *` method, or `stream: true`)');
    return false;
  }
  for (const name of ['key', 'cache', 'output'] as const) {
    if (options[name] !== undefined)
      throw new TypeError(
        `Expected no \`${name}\` on a streaming method: it applies to one result per call, not to a stream`,
      );
  }
  return true;
}

/** Whether `fn` is a native `async *` function. */
export function isAsyncGeneratorFunction(fn: unknown): boolean {
  return typeof fn === 'function' && Object.getPrototypeOf(fn) === AsyncGeneratorFunction;
}
