import { describeValue, messageOf } from './describe.js';

/**
 * What the `input` and `output` options accept: a class (checked with `instanceof`), one of
 * `String`, `Number`, `Boolean`, `BigInt`, `Symbol` (checked with `typeof`), or a predicate.
 *
 * @example
 * ```ts
 * @Batched({ input: Float32Array, output: (scores: number[]) => scores.length === 3 })
 * ```
 */
export type CheckSpec<T = unknown> =
  | (abstract new (...args: never[]) => unknown)
  | StringConstructor
  | NumberConstructor
  | BooleanConstructor
  | BigIntConstructor
  | SymbolConstructor
  | ((value: T) => boolean);

/** A compiled check: `undefined` when the value passes, else why it failed. */
export type Check = (value: unknown) => string | undefined;

const TYPEOF_CHECKS = new Map<unknown, string>([
  [String, 'string'],
  [Number, 'number'],
  [Boolean, 'boolean'],
  [BigInt, 'bigint'],
  [Symbol, 'symbol'],
]);

/**
 * Turns a check spec into a function. A `class` or a built-in constructor is a class; any
 * other function is a predicate. A predicate that throws counts as a failure, with the
 * thrown error's message as the reason.
 */
export function compileCheck(spec: CheckSpec<never>, option: 'input' | 'output'): Check {
  const primitive = TYPEOF_CHECKS.get(spec);
  if (primitive !== undefined) {
    return (value) => (typeof value === primitive ? undefined : `expected a ${primitive}, got ${describeValue(value)}`);
  }
  if (isClass(spec)) {
    const type = spec as abstract new (...args: never[]) => unknown;
    return (value) => {
      try {
        return value instanceof type ? undefined : `expected an instance of ${type.name}, got ${describeValue(value)}`;
      } catch (error) {
        // A class with its own Symbol.hasInstance, or a hostile proxy as the value.
        return `the check \`${type.name}\` threw for ${describeValue(value)}: ${messageOf(error)}`;
      }
    };
  }
  const predicate = spec as (value: unknown) => unknown;
  // An arrow function written inline takes the option's name; that says nothing.
  const name = predicate.name && predicate.name !== option ? `\`${predicate.name}\`` : 'the predicate';
  return (value) => {
    try {
      return predicate(value) ? undefined : `${name} returned false for ${describeValue(value)}`;
    } catch (error) {
      return `${name} threw for ${describeValue(value)}: ${messageOf(error)}`;
    }
  };
}

/** `class` syntax, or a native constructor such as `Float32Array`, `Date` or `Map`. */
function isClass(fn: CheckSpec<never>): boolean {
  const source = Function.prototype.toString.call(fn);
  if (/^class[\s{]/.test(source)) return true;
  // Bound functions print as native code too, but have no `prototype`.
  return /\{\s*\[native code\]\s*\}$/.test(source) && typeof fn.prototype === 'object' && fn.prototype !== null;
}
