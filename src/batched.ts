import { Batcher, type BatchFn } from './batcher.js';
import { describeValue, messageOf } from './describe.js';
import {
  namedOptionError,
  resolveOptions,
  validateOptions,
  type BatchedOptions,
  type ResolvedOptions,
} from './options.js';
import { MethodName } from './method-name.js';
import { StreamBatcher } from './stream-batcher.js';
import { isAsyncGeneratorFunction, streams } from './stream-options.js';
import { failedStream } from './caller-stream.js';
import { rejection } from './call-record.js';
import type { StreamFn } from './stream-run.js';
import { checkDesignTypes, defineOptionsMetadata } from './reflection.js';
import type { BatchContext, BatcherControls, CallOptions } from './types.js';
import type { END, SKIP, StreamContext } from './stream-types.js';

/**
 * Options, or a function of the instance that returns them (evaluated once per instance, at
 * its first call), so that configuration can come from the constructor.
 *
 * @default `{}` (every option at its default)
 * @example
 * ```ts
 * @Batched((self: Model) => ({ maxBatchSize: self.config.batchSize }))
 * ```
 */
// `self: any` so that `(self: Model) => …` is accepted: the instance's type is not known here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type BatchedOptionsSpec<I = unknown, O = unknown> = BatchedOptions<I, O> | ((self: any) => BatchedOptions<I, O>);

/**
 * What `@Batched()` returns: one function that serves both decorator systems. TypeScript
 * picks the first signature under standard decorators and the second under
 * `experimentalDecorators`; at run time the arguments tell them apart.
 *
 * @example
 * ```ts
 * const batchedPredict: BatchedDecorator = Batched({ maxBatchSize: 32 });
 * class Model { @batchedPredict async predict(batch: Input[]) { return run(batch); } }
 * ```
 */
export interface BatchedDecorator {
  /**
   * Standard ECMAScript decorators (TypeScript 5+ without `experimentalDecorators`).
   * @typeParam This - The decorated class.
   * @typeParam Method - The batch method. (`any` lets every batch method match, whatever its parameter types.)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  <This, Method extends (this: This, batch: any, ...rest: any[]) => unknown>(
    method: Method,
    context: ClassMethodDecoratorContext<This, Method>,
  ): void;
  /** `experimentalDecorators`, as NestJS and other metadata-based frameworks use. */
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
}

/**
 * A per-item function from `batched()`, with its batcher's controls ({@link BatcherControls}) on it.
 *
 * @example
 * ```ts
 * const embed: BatchedFunction<string, number[]> = batched(embedMany, { maxBatchSize: 64 });
 * const vector = await embed('hello', { timeout: 1_000 });
 * console.log(embed.stats().meanBatchSize);
 * ```
 */
export type BatchedFunction<I, O> = ((item: I, call?: CallOptions) => Promise<O>) & BatcherControls<I, O>;

/**
 * A per-item function from `batched()` over a streaming batch function (contract §12): each
 * call returns the item's chunks as an async iterable, at once. The controls are on it.
 *
 * @example
 * ```ts
 * const generate: StreamingFunction<string, string> = batched(async function* (prompts: string[]) { yield prompts.map(() => END); });
 * for await (const token of generate('Once upon a time')) process.stdout.write(token);
 * ```
 */
export type StreamingFunction<I, O> = ((item: I, call?: CallOptions) => AsyncIterable<O>) & BatcherControls<I, O>;

/** The batcher of one instance and method: the engine, or for a streaming method the engine that streams. */
type AnyBatcher = Batcher<unknown, unknown> | StreamBatcher;

interface MethodRecord {
  readonly spec: BatchedOptionsSpec;
  batcherFor(self: object): AnyBatcher;
}

/** Per-item methods made by `@Batched`, so that `batcherOf` and `getBatchedOptions` find them. */
const methods = new WeakMap<object, MethodRecord>();

/**
 * Turns a method written for a batch, `predict(batch: I[]): Promise<O[]>`, into a per-item
 * method, `predict(item: I, call?: CallOptions): Promise<O>`. Calls that arrive close
 * together are gathered into one batch; each caller gets its own result.
 *
 * Works under standard decorators and under `experimentalDecorators`. Options are checked
 * here: a bad one is a `TypeError` naming it. See {@link BatchedOptions} for each option
 * and its default.
 *
 * @param options - The batching options, or a function of the instance that returns them.
 *   Default: `{}`, every option at its default.
 *
 * @example
 * ```ts
 * class Model {
 *   predict(input: Input, call?: CallOptions): Promise<Output>;
 *   @Batched({ delay: 10, maxBatchSize: 32 })
 *   async predict<B extends Input[]>(batch: B): BatchResults<Output> { return this.session.run(batch); }
 * }
 * const y = await model.predict(x);
 * ```
 */
// Without type arguments, `input`/`output` checks accept any item (the method is not known yet).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function Batched<I = any, O = any>(options: BatchedOptionsSpec<I, O> = {}): BatchedDecorator {
  // Options given as an object are checked now; a bad one is thrown at decoration, where the
  // method's name is known. A function of the instance is checked when it is evaluated, at the
  // first call on each instance.
  let resolved: ResolvedOptions | undefined;
  let badOptions: unknown;
  if (typeof options !== 'function') {
    try {
      resolved = resolveOptions(validateOptions(options));
    } catch (error) {
      badOptions = error;
    }
  }
  const spec = options as BatchedOptionsSpec;

  function decorate(target: unknown, key: unknown, descriptor?: PropertyDescriptor): unknown {
    if (isStandardContext(key)) {
      if (key.kind !== 'method') {
        throw new TypeError(
          `@Batched() can only decorate a method, but \`${String(key.name)}\` is ${article(key.kind)} ${key.kind}`,
        );
      }
      // The class is not known while its methods are decorated; the first instance (or, for a
      // static method, the class itself) names it, before any call can be made on it.
      const name = new MethodName(undefined, key.name);
      if (badOptions !== undefined) throw namedOptionError(badOptions, name.full);
      key.addInitializer(function (this: unknown) {
        name.learnOwner(this as object);
      });
      refuseTwice(target, name);
      return perItemMethod(target as BatchFn<unknown, unknown>, name, spec, resolved);
    }
    const property = key as string | symbol | undefined;
    const name = new MethodName(target as object, property);
    if (typeof descriptor?.value !== 'function') {
      const what = descriptor === undefined ? (key === undefined ? 'class' : 'property') : 'accessor';
      throw new TypeError(`@Batched() can only decorate a method, but \`${name.full}\` is ${article(what)} ${what}`);
    }
    if (badOptions !== undefined) throw namedOptionError(badOptions, name.full);
    refuseTwice(descriptor.value, name);
    checkDesignTypes(target as object, property!, name.full);
    defineOptionsMetadata(target as object, property!, spec);
    const value = perItemMethod(descriptor.value as BatchFn<unknown, unknown>, name, spec, resolved);
    return { ...descriptor, value };
  }
  return decorate as BatchedDecorator;
}

/**
 * The function form, for code without classes: wraps a batch function into a per-item
 * function with the same semantics as `@Batched`, with the controls of `batcherOf` on it.
 *
 * @param fn - The batch function: items in, one result (or `Error`) per item out, in order.
 * @param options - As for `@Batched`. Default: `{}`, every option at its default.
 *
 * @example
 * ```ts
 * const getUser = batched(async (ids: string[]) => db.users.findMany(ids), { delay: 0 });
 * const user = await getUser('42');
 * await getUser.close();
 * ```
 */
export function batched<I, O>(
  fn: (batch: I[], context: BatchContext) => readonly (O | Error)[] | PromiseLike<readonly (O | Error)[]>,
  options?: BatchedOptions<I, O>,
): BatchedFunction<I, O>;
export function batched<I, O>(
  fn: (batch: I[], context: StreamContext) => AsyncIterable<readonly (O | Error | typeof END | typeof SKIP)[]>,
  options?: BatchedOptions<I, O>,
): StreamingFunction<I, O>;
export function batched<I, O>(
  fn: (batch: I[], context: StreamContext) => unknown,
  options: BatchedOptions<I, O> = {},
): BatchedFunction<I, O> | StreamingFunction<I, O> {
  if (typeof fn !== 'function')
    throw new TypeError(`Expected the batch function to be a function, got ${describeValue(fn)}`);
  const name = fn.name || 'batched function';
  let resolved: ResolvedOptions;
  try {
    resolved = resolveOptions(validateOptions(options));
  } catch (error) {
    throw namedOptionError(error, name);
  }
  const batcher: AnyBatcher = streamsOrThrow(fn, resolved, name)
    ? new StreamBatcher(fn as StreamFn, resolved, name)
    : new Batcher<unknown, unknown>(fn as BatchFn<unknown, unknown>, resolved, name);
  const perItem = (item: I, call?: CallOptions): unknown => batcher.call(item, call);
  // prime, clear and clearAll return the function's controls, as DataLoader's return the loader.
  const controls = Object.assign(perItem, {
    flush: () => batcher.flush(),
    drain: () => batcher.drain(),
    close: () => batcher.close(),
    stats: () => batcher.stats(),
    configure: (partial: BatchedOptions<I, O>) => batcher.configure(partial as BatchedOptions),
    prime: (key: unknown, value: O) => (batcher.prime(key, value), controls),
    clear: (key: unknown) => (batcher.clear(key), controls),
    clearAll: () => (batcher.clearAll(), controls),
  });
  return controls as unknown as BatchedFunction<I, O>;
}

/**
 * The batcher behind a decorated method of one instance (made now if it has not been
 * called yet), to flush, drain, close, read stats or reconfigure it. A subclass that
 * overrides the method and calls `super` finds the parent's batcher.
 *
 * @example
 * ```ts
 * await batcherOf(model, 'predict').close(); // graceful shutdown
 * ```
 */
export function batcherOf<T extends object>(instance: T, method: keyof T & (string | symbol)): BatcherControls {
  const record = recordOf(instance, method);
  if (record === undefined) {
    throw new TypeError(`Expected \`${String(method)}\` to be a @Batched method of ${describeValue(instance)}`);
  }
  return record.batcherFor(instance);
}

/**
 * Closes every batcher of one instance, one per decorated method, as `close()` does: new
 * calls are refused, what is queued runs, and the promise resolves when all of it has
 * settled and no batch method is running. For shutdown hooks.
 *
 * @example
 * ```ts
 * @Injectable()
 * class ClassifierService implements OnApplicationShutdown {
 *   onApplicationShutdown() { return closeBatchers(this); }
 * }
 * ```
 */
export async function closeBatchers(instance: object): Promise<void> {
  const closing: Promise<void>[] = [];
  for (const record of recordsOf(instance)) {
    let batcher: AnyBatcher;
    try {
      batcher = record.batcherFor(instance);
    } catch {
      continue; // its options function fails: no batcher was made, so nothing is queued there
    }
    closing.push(batcher.close());
  }
  await Promise.all(closing);
}

/**
 * The options a method was decorated with (an object, or the function of the instance), or
 * `undefined` if it is not a `@Batched` method. Found through the prototype chain, so it
 * also answers for a subclass that overrides the method.
 *
 * @example
 * ```ts
 * getBatchedOptions(Model.prototype, 'predict'); // { delay: 10, maxBatchSize: 32 }
 * ```
 */
export function getBatchedOptions(target: object, method: string | symbol): BatchedOptionsSpec | undefined {
  return recordOf(target, method)?.spec;
}

/** The nearest decorated method of that name along the prototype chain. */
function recordOf(target: object, method: string | symbol): MethodRecord | undefined {
  for (const holder of prototypeChain(target)) {
    const record = methods.get(ownValue(holder, method) as object);
    if (record !== undefined) return record;
  }
  return undefined;
}

/** Every decorated method along the prototype chain, each name counted once (the nearest). */
function recordsOf(target: object): MethodRecord[] {
  const seen = new Set<string | symbol>();
  const records: MethodRecord[] = [];
  for (const holder of prototypeChain(target)) {
    for (const key of Reflect.ownKeys(holder)) {
      const record = methods.get(ownValue(holder, key) as object);
      if (record === undefined || seen.has(key)) continue;
      seen.add(key);
      records.push(record);
    }
  }
  return records;
}

function* prototypeChain(target: object): Generator<object> {
  for (let holder: object | null = target; holder !== null; holder = Object.getPrototypeOf(holder) as object | null) {
    yield holder;
  }
}

/** A data property's value without running a getter (which may throw or have effects). */
function ownValue(holder: object, key: string | symbol): unknown {
  const value: unknown = Object.getOwnPropertyDescriptor(holder, key)?.value;
  return typeof value === 'function' ? value : undefined;
}

/** A second `@Batched` on one method would batch batches; refuse it while decorating. */
function refuseTwice(method: unknown, name: MethodName): void {
  if (typeof method === 'function' && methods.has(method)) {
    throw new TypeError(`@Batched() is applied twice to \`${name.full}\`; apply it once`);
  }
}

/** Builds the per-item replacement of one decorated method; its batchers live in a WeakMap keyed on the instance. */
function perItemMethod(
  batchFn: BatchFn<unknown, unknown>,
  name: MethodName,
  spec: BatchedOptionsSpec,
  resolved: ResolvedOptions | undefined,
): (item: unknown, call?: CallOptions) => unknown {
  const batchers = new WeakMap<object, AnyBatcher>();
  // Options given as an object are known now: a streaming method's option errors are thrown at decoration.
  if (resolved !== undefined) streamsOrThrow(batchFn, resolved, name.full);

  function batcherFor(self: object): AnyBatcher {
    let batcher = batchers.get(self);
    if (batcher === undefined) {
      const batcherName = name.on(self);
      const options = resolved ?? optionsOf(self, spec, batcherName);
      batcher = streamsOrThrow(batchFn, options, batcherName)
        ? new StreamBatcher(batchFn, options, batcherName, self)
        : new Batcher(batchFn, options, batcherName, self);
      batchers.set(self, batcher);
    }
    return batcher;
  }

  // A call that fails before it reaches a batcher fails as the method's calls do: a rejected
  // promise, or, for a streaming method (`stream: true` when the options are known), a stream
  // that throws at its first read, so that `for await` reports the error itself.
  const streaming = resolved?.stream ?? isAsyncGeneratorFunction(batchFn);
  const failed = (error: unknown): unknown => (streaming ? failedStream(error) : rejection(error));

  const perItem = function (this: unknown, item: unknown, call?: CallOptions): unknown {
    if ((typeof this !== 'object' && typeof this !== 'function') || this === null) {
      return failed(
        new TypeError(
          `${name.full} was called without an instance (\`this\` is ${describeValue(this)}); call it as instance.${String(name.key)}(item), or bind it`,
        ),
      );
    }
    let batcher: AnyBatcher;
    try {
      batcher = batcherFor(this);
    } catch (error) {
      return failed(error); // a failing options function: this call fails, the next one tries again
    }
    return batcher.call(item, call);
  };
  Object.defineProperty(perItem, 'name', {
    value: typeof name.key === 'symbol' ? `[${name.key.description ?? ''}]` : name.key,
  });
  methods.set(perItem, { spec, batcherFor });
  return perItem;
}

/** Evaluates an options function for one instance; what it throws or returns wrong names the method. */
function optionsOf(self: object, spec: BatchedOptionsSpec, name: string): ResolvedOptions {
  if (typeof spec !== 'function') return resolveOptions(validateOptions(spec));
  let options: unknown;
  try {
    options = spec(self);
  } catch (cause) {
    throw new TypeError(`${name}: the options function threw: ${messageOf(cause)}`, { cause });
  }
  try {
    return resolveOptions(validateOptions(options));
  } catch (cause) {
    throw new TypeError(`${name}: the options function returned bad options: ${messageOf(cause)}`, { cause });
  }
}

/** Whether the method streams (contract §12); a combination that cannot be is an option error named `name: …`. */
function streamsOrThrow(fn: unknown, options: ResolvedOptions, name: string): boolean {
  try {
    return streams(fn, options);
  } catch (error) {
    throw namedOptionError(error, name);
  }
}

/** `a` or `an`, for the kinds of class member a decorator can meet (`an accessor`). */
function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function isStandardContext(value: unknown): value is DecoratorContext {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}
