/**
 * Every use of `Reflect` metadata lives here. The library never imports
 * `reflect-metadata`; it reads design types when the polyfill happens to be loaded and
 * skips these checks, silently, when it is not.
 */

interface MetadataReflect {
  getMetadata?(key: string, target: object, property: string | symbol): unknown;
  defineMetadata?(key: string, value: unknown, target: object, property: string | symbol): void;
}

const metadata = Reflect as unknown as MetadataReflect;

/**
 * The metadata key under which the options of a decorated method are kept (legacy
 * decorators with `reflect-metadata` loaded), for tools that read class metadata.
 * {@link getBatchedOptions} reads them without it.
 *
 * @example
 * ```ts
 * Reflect.getMetadata(OPTIONS_METADATA_KEY, Model.prototype, 'predict'); // { delay: 10, maxBatchSize: 32 }
 * ```
 */
export const OPTIONS_METADATA_KEY = 'batched-fn:options';

/** Records a method's options as class metadata, when a metadata polyfill is loaded. */
export function defineOptionsMetadata(target: object, property: string | symbol, options: unknown): void {
  metadata.defineMetadata?.(OPTIONS_METADATA_KEY, options, target, property);
}

/**
 * contract §6: with `emitDecoratorMetadata`, refuse a method whose declared first parameter
 * cannot be an array, that declares no parameter, or whose declared return type can be
 * neither an array nor a promise. `Object` or a missing entry (interfaces, unions, type
 * aliases) passes.
 */
export function checkDesignTypes(target: object, property: string | symbol, methodName: string): void {
  if (typeof metadata.getMetadata !== 'function') return;
  const params = metadata.getMetadata('design:paramtypes', target, property);
  if (Array.isArray(params)) {
    if (params.length === 0) {
      throw new TypeError(
        `@Batched() on ${methodName}: the method must take the batch (an array) as its first parameter, but it declares no parameters`,
      );
    }
    const first: unknown = params[0];
    if (!canBeArray(first)) {
      throw new TypeError(
        `@Batched() on ${methodName}: the first parameter must be the batch (an array), but it is declared as ${typeName(first)}`,
      );
    }
  }
  const returnType = metadata.getMetadata('design:returntype', target, property);
  if (!canBeArrayOrPromise(returnType)) {
    throw new TypeError(
      `@Batched() on ${methodName}: the method must return an array or a promise of one, but its return type is declared as ${typeName(returnType)}`,
    );
  }
}

function canBeArray(type: unknown): boolean {
  return typeof type !== 'function' || type === Object || type === Array || type.prototype instanceof Array;
}

function canBeArrayOrPromise(type: unknown): boolean {
  return canBeArray(type) || type === Promise || (typeof type === 'function' && type.prototype instanceof Promise);
}

function typeName(type: unknown): string {
  return typeof type === 'function' && type.name ? type.name : String(type);
}
