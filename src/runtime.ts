/**
 * The few things the engine needs from its host that are not in every JavaScript runtime.
 * Node, Bun and Deno have `setImmediate` and `process.emitWarning`. A browser page or a
 * worker has neither: the end of a turn is a `MessageChannel` message there (what schedulers
 * such as React's use: a 0 ms timer is clamped to 4 ms once timers nest), and a warning goes
 * to `console.warn`. Where even `MessageChannel` is missing (some edge runtimes), a 0 ms timer
 * ends the turn. Each is looked up when called, not when this module loads, so fake timers
 * installed later are seen.
 */

/** A handle from `nextTurn`: `cancel()` keeps its callback from running. */
export type TurnHandle = { readonly cancel: () => void };

/** Runs `callback` at the end of the current turn of the event loop (the check phase in Node). */
export function nextTurn(callback: () => void): TurnHandle {
  if (typeof setImmediate === 'function') {
    const immediate = setImmediate(callback);
    return { cancel: () => clearImmediate(immediate) };
  }
  const Channel = (globalThis as unknown as { MessageChannel?: new () => Channel }).MessageChannel;
  if (typeof Channel === 'function') return messageTurn(callback, Channel);
  const timer = setTimeout(callback, 0);
  return { cancel: () => clearTimeout(timer) };
}

/** What the engine uses of a `MessageChannel` (typed here: the package assumes no DOM or Node types). */
interface Channel {
  readonly port1: { onmessage: (() => void) | null; unref?: () => void };
  readonly port2: { postMessage(message: unknown): void };
}

/** Callbacks waiting for the next message; one message runs every callback queued before it. */
let waiting: (() => void)[] = [];
let channel: Channel | undefined;

function messageTurn(callback: () => void, Channel: new () => Channel): TurnHandle {
  let cancelled = false;
  waiting.push(() => {
    if (!cancelled) callback();
  });
  if (waiting.length === 1) {
    channel ??= openChannel(Channel);
    channel.port2.postMessage(undefined);
  }
  return { cancel: () => void (cancelled = true) };
}

function openChannel(Channel: new () => Channel): Channel {
  const opened = new Channel();
  opened.port1.onmessage = () => {
    const due = waiting;
    waiting = [];
    for (const run of due) run();
  };
  // Node keeps a process alive while a port listens; a page has no such notion.
  opened.port1.unref?.();
  return opened;
}

/** A process warning where the host has them, else a console warning. */
export function warn(message: string, type: string): void {
  const host = (globalThis as { process?: { emitWarning?: (message: string, type: string) => void } }).process;
  if (typeof host?.emitWarning === 'function') host.emitWarning(message, type);
  else console.warn(`${type}: ${message}`);
}
