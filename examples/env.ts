// The examples take their settings from the environment; a bad value stops start-up with a
// message that names the variable.

/** `name` from the environment as a number, else `fallback`; a RangeError naming it when `isValid` fails. */
export function numberFromEnv(
  name: string,
  fallback: number,
  expected: string,
  isValid: (value: number) => boolean,
): number {
  const value = Number(process.env[name] ?? fallback);
  if (!isValid(value)) throw new RangeError(`${name} must be ${expected}, got ${process.env[name]}`);
  return value;
}

/** The port to listen on: `PORT` (0 picks a free one), else 3000. */
export function portFromEnv(): number {
  return numberFromEnv('PORT', 3000, '0..65535', (port) => Number.isInteger(port) && port >= 0 && port <= 65_535);
}
