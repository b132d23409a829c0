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
  if (Array.isArray(value)) return 'array';
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
 * An `Error` from any realm: `instanceof` misses one made in a `vm` context or a jest
 * sandbox, but every native error carries the `[object Error]` brand.
 */
export function isError(value: unknown): value is Error {
  if (value instanceof Error) return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  try {
    return Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false; // a revoked proxy, or a throwing Symbol.toStringTag: not an error
  }
}
