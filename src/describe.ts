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
