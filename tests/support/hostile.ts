import type { BatchedOptions } from '../../src/index.js';

// Every way a batch's settling can throw: the method, the value it returns, a result in a
// slot, the `output` check and the `onBatch` hook. Shared by the property test (every caller
// settles once, the slot frees) and the unhandled-rejection fixture (a real process).

export interface HostileStep {
  readonly name: string;
  /** The batch method's behaviour for this step. */
  readonly fn: (items: number[]) => unknown;
  /** Options set (with `configure`) for this step. */
  readonly options?: BatchedOptions<number, unknown>;
}

const boom = (where: string) => (): never => {
  throw new Error(`${where} exploded`);
};

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** `items` behind a proxy whose `get` of `key` throws. */
function throwingRead(items: number[], key: string): unknown {
  return new Proxy(items, {
    get(target, property, receiver) {
      if (property === key) throw new Error(`reading ${key} exploded`);
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

class HostileClass {
  static [Symbol.hasInstance](): boolean {
    throw new Error('hasInstance exploded');
  }
}

function errorWithThrowingMessage(): Error {
  const error = new Error('hidden');
  Object.defineProperty(error, 'message', { get: boom('message') });
  return error;
}

export const HOSTILE_STEPS: readonly HostileStep[] = [
  { name: 'none: the method answers', fn: (items) => items },
  { name: 'the method throws', fn: boom('the method') },
  { name: 'the method rejects', fn: async () => boom('the promise')() },
  {
    name: 'it returns a thenable whose `then` getter throws',
    fn: () => ({
      get then() {
        return boom('then')();
      },
    }),
  },
  { name: 'it returns a non-array', fn: () => 42 },
  { name: 'it returns a revoked proxy', fn: revoked },
  { name: 'the array’s `length` throws', fn: (items) => throwingRead(items, 'length') },
  { name: 'reading slot 0 throws', fn: (items) => throwingRead(items, '0') },
  {
    name: 'a slot is a proxy whose getPrototypeOf throws',
    fn: (items) => items.map(() => new Proxy({}, { getPrototypeOf: boom('getPrototypeOf') })),
  },
  { name: 'a slot is a proxy whose `has` throws', fn: (items) => items.map(() => new Proxy({}, { has: boom('has') })) },
  { name: 'a slot is a revoked proxy', fn: (items) => items.map(revoked) },
  {
    name: 'a slot’s `then` getter throws',
    fn: (items) =>
      items.map(() => ({
        get then() {
          return boom('slot then')();
        },
      })),
  },
  {
    name: 'a slot’s Symbol.toStringTag getter throws',
    fn: (items) =>
      items.map(() => ({
        get [Symbol.toStringTag]() {
          return boom('toStringTag')();
        },
      })),
  },
  { name: 'a slot is an Error whose `message` getter throws', fn: (items) => items.map(errorWithThrowingMessage) },
  { name: 'the output predicate throws', fn: (items) => items, options: { output: boom('the predicate') } },
  { name: 'the output class’s hasInstance throws', fn: (items) => items, options: { output: HostileClass } },
  { name: 'onBatch throws', fn: (items) => items, options: { onBatch: boom('onBatch') } },
];
