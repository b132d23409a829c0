/**
 * The few things the engine needs from its host that are not in every JavaScript runtime.
 * Node, Bun and Deno have `setImmediate` and `process.emitWarning`; elsewhere (a browser, a
 * worker, an edge runtime) a 0 ms timer and `console.warn` stand in. Each is looked up when
 * called, not when this module loads, so fake timers installed later are seen.
 */

/** A handle from `nextTurn`: `cancel()` keeps its callback from running. */
export type TurnHandle = { readonly cancel: () => void };

/** Runs `callback` at the end of the current turn of the event loop (the check phase in Node). */
export function nextTurn(callback: () => void): TurnHandle {
  if (typeof setImmediate === 'function') {
    const immediate = setImmediate(callback);
    return { cancel: () => clearImmediate(immediate) };
  }
  const timer = setTimeout(callback, 0);
  return { cancel: () => clearTimeout(timer) };
}

/** A process warning where the host has them, else a console warning. */
export function warn(message: string, type: string): void {
  const host = (globalThis as { process?: { emitWarning?: (message: string, type: string) => void } }).process;
  if (typeof host?.emitWarning === 'function') host.emitWarning(message, type);
  else console.warn(`${type}: ${message}`);
}
