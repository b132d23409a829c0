/**
 * A short, safe rendering of any value for error messages: `` `0` (number) ``,
 * `` `"abc"` (string) ``, `` `[object Object]` (object) ``. Never throws, never prints
 * more than a line.
 */
export function describeValue(value: unknown): string {
  return `\`${render(value)}\` (${kindOf(value)})`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  try {
    if (Array.isArray(value)) return 'array';
  } catch {
    // a revoked proxy: IsArray throws; it is an object all the same
  }
  return typeof value;
}

function render(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return truncate(JSON.stringify(value));
      case 'bigint':
        return `${value}n`;
      case 'function':
        return value.name ? `[function ${value.name}]` : '[function]';
      case 'object':
        if (value === null) return 'null';
        if (Array.isArray(value)) return `[array of ${value.length}]`;
        return `[object ${value.constructor?.name ?? 'Object'}]`;
      default:
        return String(value);
    }
  } catch {
    return '[unprintable]';
  }
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `1 item`, `2 items`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * A real `Error`, from any realm (a `vm` context, a jest sandbox, an iframe), told by its brand,
 * which cannot be spoofed: `Error.isError` where the host has it; elsewhere the
 * `[object Error]` tag that only an object made by an Error constructor carries, once a
 * `Symbol.toStringTag` (which could claim any tag) is ruled out. `instanceof` is not used: it
 * misses other realms and believes `Object.create(Error.prototype)`. Never throws: a hostile
 * proxy is not an error.
 */
export function isError(value: unknown): value is Error {
  if (typeof value !== 'object' || value === null) return false;
  try {
    if (nativeIsError !== undefined) return nativeIsError(value);
    return !(Symbol.toStringTag in value) && Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false; // a revoked proxy, or a proxy whose traps throw: not an error
  }
}

const nativeIsError = (Error as { isError?: (value: unknown) => boolean }).isError;

/** The message of anything thrown, for a message of ours; never throws (a hostile throw is described as such). */
export function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return '[an error that could not be printed]';
  }
}

/**
 * What came back instead of one result per item (for the message), or undefined when it is
 * an array of `size`. Never throws: a proxy may throw from IsArray or from `length`.
 */
export function notOneResultPerItem(results: unknown, size: number): string | undefined {
  let isArray: boolean;
  try {
    isArray = Array.isArray(results);
  } catch (error) {
    return `a value that could not be inspected (${messageOf(error)})`;
  }
  if (!isArray) return describeValue(results);
  let length: unknown;
  try {
    length = (results as unknown[]).length;
  } catch (error) {
    return `an array whose \`length\` could not be read (${messageOf(error)})`;
  }
  return length === size ? undefined : `an array of length ${String(length)}`;
}
