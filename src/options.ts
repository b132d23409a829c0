import { compileCheck, type Check, type CheckSpec } from './checks.js';
import { describeValue, messageOf } from './describe.js';

/**
 * One item of a batch, as the `onBatch` hook sees it.
 *
 * @example
 * ```ts
 * onBatch: ({ items }) => items.forEach(({ queuedMs }) => queueWait.observe(queuedMs / 1_000))
 * ```
 */
export interface BatchEventItem {
  /** How long this item waited in the queue before its batch started, in ms. */
  readonly queuedMs: number;
  /** What its caller passed as `call.meta` (a trace context, say), or undefined; with `key`, its first caller's. */
  readonly meta: unknown;
  /** How many callers were waiting on this item when its batch left: 1, or more for a slot shared by `key`. */
  readonly callers: number;
}

/**
 * What the `onBatch` hook receives after each batch settles.
 *
 * @example
 * ```ts
 * @Batched({ onBatch: ({ size, queuedMs, runMs, error }) => log.info({ size, queuedMs, runMs, failed: !!error }) })
 * ```
 */
export interface BatchEvent {
  /** Items in the batch. */
  readonly size: number;
  /** How long the batch's first item waited in the queue, in ms. */
  readonly queuedMs: number;
  /** How long the batch method ran, in ms (until it settled or `batchTimeout` fired). */
  readonly runMs: number;
  /** When the batch method was called, in ms since the Unix epoch (sub-ms precision), e.g. a span's start time. */
  readonly startedAt: number;
  /** One entry per item, in batch order: its queue wait and its caller's `meta`. */
  readonly items: readonly BatchEventItem[];
  /** Why the batch left: see {@link BatchTrigger}. */
  readonly trigger: BatchTrigger;
  /** The batch-level failure, if any: what the method threw, a `BatchContractError` or a `BatchTimeoutError`. */
  readonly error?: unknown;
}

/**
 * Why a batch left the queue: `'full'` (it held `maxBatchSize` items, or its cost budget was
 * reached, when it left, whatever else happened), `'window'` (its first item had waited
 * `delay`), `'turn'` (the end of the turn, with `delay: 0` or `'auto'`), `'flush'` (`flush()`
 * asked) or `'close'` (`close()` sent it).
 *
 * @example
 * ```ts
 * onBatch: ({ trigger }) => batchesByTrigger.inc({ trigger })
 * ```
 */
export type BatchTrigger = 'full' | 'window' | 'turn' | 'flush' | 'close';

/**
 * Options of `@Batched()` and `batched()`. All are optional.
 *
 * @example
 * ```ts
 * @Batched({ delay: 5, maxBatchSize: 32, maxQueueSize: 1_000, timeout: 2_000 })
 * ```
 */
export interface BatchedOptions<I = unknown, O = unknown> {
  /**
   * How long, in ms, the first item of a batch may wait for the batch to fill. `0` dispatches
   * at the end of the current turn of the event loop, so calls made in the same tick share
   * a batch. `'auto'`: no delay to tune; it learns what a batch costs and watches how calls
   * arrive, and waits for company at most half a batch's run time (10 ms at most; with
   * `concurrency` above 1, up to a run time / `concurrency`, to space the batches' starts).
   * See the README's "When a batch runs".
   * @default 50
   * @example `{ delay: 'auto' }`
   */
  delay?: number | 'auto' | undefined;
  /**
   * Most items in one batch (an integer >= 1).
   * @default 8
   * @example `{ maxBatchSize: 32 }`
   */
  maxBatchSize?: number | undefined;
  /**
   * Most batches running at once for one batcher (an integer >= 1).
   * @default 1
   * @example `{ concurrency: 2 }` // two GPU streams
   */
  concurrency?: number | undefined;
  /**
   * Most items waiting, not yet dispatched (an integer >= 1, or `Infinity`). A call past it
   * rejects at once with `QueueFullError`.
   * @default Infinity
   * @example `{ maxQueueSize: 1_000 }`
   */
  maxQueueSize?: number | undefined;
  /**
   * Default per-call deadline in ms; a call still unsettled then rejects with `TimeoutError`.
   * @default undefined (no deadline)
   * @example `{ timeout: 2_000 }`
   */
  timeout?: number | undefined;
  /**
   * How long a running batch may take, in ms, before its callers reject with
   * `BatchTimeoutError` and its slot frees.
   * @default undefined (no limit)
   * @example `{ batchTimeout: 10_000 }`
   */
  batchTimeout?: number | undefined;
  /**
   * A runtime check of each item: a class (`instanceof`), `String`/`Number`/`Boolean`/
   * `BigInt`/`Symbol` (`typeof`), or a predicate. A failing item rejects with `TypeError`
   * and never enters a batch.
   * @default undefined (no check)
   * @example `{ input: Float32Array }` or `{ input: (x) => Array.isArray(x) }`
   */
  input?: CheckSpec<I> | undefined;
  /**
   * A runtime check of each result, as `input`. A failing result rejects its caller with
   * `BatchContractError`.
   * @default undefined (no check)
   * @example `{ output: Number }`
   */
  output?: CheckSpec<O> | undefined;
  /**
   * Called after each batch settles. A hook that throws never breaks the batcher.
   * @default undefined
   * @example `{ onBatch: ({ size, runMs }) => histogram.observe(size) }`
   */
  onBatch?: ((event: BatchEvent) => void) | undefined;
  /**
   * An item's weight against `maxBatchCost` (a finite number >= 0, e.g. its token count),
   * called once per call, when it arrives. A batch takes items while their total cost fits;
   * a batch whose next item would not fit goes at once. Given together with `maxBatchCost`.
   * @default undefined (batches are counted in items only)
   * @example `{ cost: (text: string) => tokenize(text).length, maxBatchCost: 4_096 }`
   */
  cost?: ((item: I) => number) | undefined;
  /**
   * Most total `cost` in one batch (a number > 0, or `Infinity`). An item whose own cost is
   * above it rejects at once with `RangeError`. Given together with `cost`.
   * @default undefined (no budget)
   * @example `{ cost: (image: Image) => image.width * image.height, maxBatchCost: 4_000_000 }`
   */
  maxBatchCost?: number | undefined;
  /**
   * The partition key of an item (a string or a finite number): items with different keys
   * never share a batch. Each key has its own queue and delay window; all keys share
   * `concurrency` and `maxQueueSize`, and the key that has waited longest goes first.
   * @default undefined (one queue)
   * @example `{ partitionBy: (request: Request) => request.modelName }`
   */
  partitionBy?: ((item: I) => string | number) | undefined;
  /**
   * Overload shedding: a call with a deadline (`timeout`) that the batcher predicts would be
   * answered after it is rejected with `OverloadedError` as soon as that is known (on arrival,
   * or when its batch is formed), and never runs. The prediction comes from the latency model
   * (`stats().latency`); nothing is shed before 3 batches have returned, and a call without a
   * deadline is never shed.
   * @default false
   * @example `{ delay: 'auto', timeout: 150, shed: true }`
   */
  shed?: boolean | undefined;
  /**
   * The key of an item (compared as `Map` keys): calls with equal keys waiting in the same
   * partition share one slot of a batch, so the batch method sees the item once and every
   * caller gets its result. Each caller keeps its own signal, deadline, priority and meta.
   * @default undefined (every call is its own slot)
   * @example `{ key: (request: UserRequest) => request.userId }`
   */
  key?: ((item: I) => unknown) | undefined;
  /**
   * Keep results per key across batches: `true` (a `Map` the batcher holds) or a map of your
   * own with `get`, `set` and `delete` (a `Map`, an LRU with a size bound and a TTL). A call
   * whose key is kept settles from it and never queues; a key being computed is joined, not
   * run again. A key whose result is an `Error`, or whose batch failed, is never kept.
   * Without `key`, the key is the item itself. `false` is the same as none.
   * @default undefined (no cache)
   * @example `{ key: (id: number) => id, cache: new LRUCache({ max: 10_000, ttl: 60_000 }) }`
   */
  cache?: boolean | CacheMap | undefined;
  /**
   * `true`: the batch method returns an async iterable of steps, and the per-item method an
   * async iterable of that item's chunks (contract §12). A native `async *` method streams
   * without it; `false` declares a method not to stream.
   * @default recognised: `true` for a native async generator method
   * @example `{ stream: true }`
   */
  stream?: boolean | undefined;
  /**
   * For a streaming method: a call may join a running batch of its partition between two
   * steps while that batch has fewer than `maxBatchSize` open slots (contract §12).
   * @default false
   * @example `{ delay: 'auto', join: true }`
   */
  join?: boolean | undefined;
}

/**
 * A map that `cache` can keep results in: a `Map`, or an LRU with a size bound and a TTL
 * (lru-cache's `LRUCache`). What the batcher stores in it is its own (one entry per key, never
 * `undefined`); the map may drop an entry at any time, and that key is then computed again.
 * `clear` is needed only by `clearAll()`.
 *
 * @example
 * ```ts
 * const cache: CacheMap = new Map();
 * ```
 */
export interface CacheMap {
  // `any`: a typed map (`Map<string, …>`, `LRUCache<number, …>`) must fit.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  /** The entry kept for `key`, or undefined. */
  get(key: any): unknown;
  /** Keeps `value` (the batcher's own entry) for `key`. */
  set(key: any, value: any): unknown;
  /** Forgets `key`. */
  delete(key: any): unknown;
  /** Forgets every key; needed only by `clearAll()`. */
  clear?(): unknown;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

/** Options as the engine uses them: defaults filled in, checks compiled. */
export interface ResolvedOptions {
  readonly delay: number | 'auto';
  readonly maxBatchSize: number;
  readonly concurrency: number;
  readonly maxQueueSize: number;
  readonly timeout: number | undefined;
  readonly batchTimeout: number | undefined;
  readonly input: Check | undefined;
  readonly output: Check | undefined;
  readonly onBatch: ((event: BatchEvent) => void) | undefined;
  readonly cost: ((item: unknown) => unknown) | undefined;
  /** `Infinity` without a cost budget. */
  readonly maxBatchCost: number;
  readonly partitionBy: ((item: unknown) => unknown) | undefined;
  readonly shed: boolean;
  readonly key: ((item: unknown) => unknown) | undefined;
  /** `true`: a `Map` each batcher makes for itself; `cache: false` resolves to undefined. */
  readonly cache: true | CacheMap | undefined;
  /** As given: undefined means recognised from the method. */
  readonly stream: boolean | undefined;
  readonly join: boolean;
  /** The options as the user gave them, for `getBatchedOptions`. */
  readonly given: Readonly<BatchedOptions>;
}

/** The largest delay `setTimeout` honours; beyond it Node fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

export const DEFAULTS = {
  delay: 50,
  maxBatchSize: 8,
  concurrency: 1,
  maxQueueSize: Infinity,
} as const;

type Validator = (value: unknown) => string | undefined;

const isInteger =
  (min: number): Validator =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min ? undefined : `an integer >= ${min}`;

/** A deadline: ms > 0 that a timer can hold, or `Infinity` for none. */
const isDuration: Validator = (v) =>
  typeof v === 'number' && v > 0 && (v <= MAX_TIMER_MS || v === Infinity)
    ? undefined
    : `a number of ms > 0 and <= ${MAX_TIMER_MS}, or Infinity for none`;

const isFunction: Validator = (v) => (typeof v === 'function' ? undefined : 'a function');

/** For each option: undefined when valid, else what it expects. */
const VALIDATORS: Record<keyof BatchedOptions, Validator> = {
  delay: (v) =>
    v === 'auto' || (typeof v === 'number' && v >= 0 && v <= MAX_TIMER_MS)
      ? undefined
      : `a number of ms >= 0 and <= ${MAX_TIMER_MS}, or 'auto'`,
  maxBatchSize: isInteger(1),
  concurrency: isInteger(1),
  maxQueueSize: (v) => (v === Infinity || isInteger(1)(v) === undefined ? undefined : 'an integer >= 1 or Infinity'),
  timeout: isDuration,
  batchTimeout: isDuration,
  input: (v) => (typeof v === 'function' ? undefined : 'a class, a built-in constructor or a predicate function'),
  output: (v) => (typeof v === 'function' ? undefined : 'a class, a built-in constructor or a predicate function'),
  onBatch: isFunction,
  cost: isFunction,
  maxBatchCost: (v) => (typeof v === 'number' && v > 0 ? undefined : 'a number > 0, or Infinity'),
  partitionBy: isFunction,
  shed: (v) => (typeof v === 'boolean' ? undefined : 'a boolean'),
  key: isFunction,
  cache: (v) => {
    if (typeof v === 'boolean') return undefined;
    if (typeof v !== 'object' || v === null) return 'true, false or a map with get, set and delete';
    const missing = (['get', 'set', 'delete'] as const).filter(
      (method) => typeof (v as Record<string, unknown>)[method] !== 'function',
    );
    return missing.length === 0 ? undefined : `a map with get, set and delete (it has no ${missing.join(', ')} method)`;
  },
  stream: (v) => (typeof v === 'boolean' ? undefined : 'a boolean'),
  join: (v) => (typeof v === 'boolean' ? undefined : 'a boolean'),
};

const OPTION_NAMES = Object.keys(VALIDATORS) as (keyof BatchedOptions)[];

/**
 * Checks user options and returns only the keys that were set, so that a partial
 * (`configure`) can be merged over the current options. Throws a `TypeError` that names
 * the option, what it expects and what it got.
 */
export function validateOptions(options: unknown): BatchedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Expected options to be an object, got ${describeValue(options)}`);
  }
  const checked: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (!(key in VALIDATORS)) throw new TypeError(unknownOptionMessage(key));
  }
  for (const name of OPTION_NAMES) {
    let value: unknown;
    try {
      value = (options as Record<string, unknown>)[name];
    } catch (cause) {
      throw new TypeError(`Could not read option \`${name}\`: ${messageOf(cause)}`, { cause });
    }
    if (value === undefined) continue;
    const problem = optionProblem(name, value);
    if (problem !== undefined) throw new TypeError(problem);
    checked[name] = value;
  }
  return checked;
}

/** Why `value` is not a valid `name` option (the message a TypeError carries), or undefined when it is. */
export function optionProblem(name: keyof BatchedOptions, value: unknown): string | undefined {
  const expected = VALIDATORS[name](value);
  return expected === undefined ? undefined : `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`;
}

/**
 * The options after `configure(partial)`: validated keys of `partial` replace the current
 * ones, and a key given as `undefined` goes back to its default.
 */
export function mergeOptions(current: Readonly<BatchedOptions>, partial: unknown): BatchedOptions {
  const given = validateOptions(partial); // only the keys set to a value
  const merged: Record<string, unknown> = { ...current, ...given };
  for (const key of Object.keys(partial as object)) if (!(key in given)) delete merged[key];
  return merged;
}

/**
 * Fills in defaults and compiles the checks of already validated options. Options that only
 * work together are checked here, since a partial (`configure`) may complete a pair.
 */
export function resolveOptions(given: BatchedOptions): ResolvedOptions {
  if ((given.cost === undefined) !== (given.maxBatchCost === undefined)) {
    const [set, missing] = given.cost === undefined ? ['maxBatchCost', 'cost'] : ['cost', 'maxBatchCost'];
    throw new TypeError(`Expected \`cost\` and \`maxBatchCost\` together, got \`${set}\` without \`${missing}\``);
  }
  return {
    delay: given.delay ?? DEFAULTS.delay,
    maxBatchSize: given.maxBatchSize ?? DEFAULTS.maxBatchSize,
    concurrency: given.concurrency ?? DEFAULTS.concurrency,
    maxQueueSize: given.maxQueueSize ?? DEFAULTS.maxQueueSize,
    timeout: given.timeout === Infinity ? undefined : given.timeout,
    batchTimeout: given.batchTimeout === Infinity ? undefined : given.batchTimeout,
    input: given.input === undefined ? undefined : compileCheck(given.input, 'input'),
    output: given.output === undefined ? undefined : compileCheck(given.output, 'output'),
    onBatch: given.onBatch,
    cost: given.cost,
    maxBatchCost: given.maxBatchCost ?? Infinity,
    partitionBy: given.partitionBy,
    shed: given.shed ?? false,
    key: given.key,
    cache: given.cache === false ? undefined : given.cache,
    stream: given.stream,
    join: given.join ?? false,
    given: Object.freeze({ ...given }),
  };
}

function unknownOptionMessage(key: string): string {
  const suggestion = closestName(key);
  const hint = suggestion ? ` Did you mean \`${suggestion}\`?` : '';
  return `Unknown option \`${key}\`.${hint} Known options: ${OPTION_NAMES.join(', ')}`;
}

/** The known option a misspelt key most likely meant: same letters ignoring case, or at most 2 edits away. */
function closestName(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of OPTION_NAMES) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(name, key);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** `current` changed by `partial` (contract §7, `configure`), validated; an option error names `name`. */
export function reconfigured(current: ResolvedOptions, partial: unknown, name: string): ResolvedOptions {
  try {
    return resolveOptions(mergeOptions(current.given, partial));
  } catch (error) {
    throw namedOptionError(error, name);
  }
}

/** An option error with where it happened in front, `Model.predict: Expected ...`; other errors as they are. */
export function namedOptionError(error: unknown, name: string): unknown {
  if (!(error instanceof TypeError)) return error;
  return new TypeError(`${name}: ${error.message}`, error.cause === undefined ? undefined : { cause: error.cause });
}
