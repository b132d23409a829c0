import { TimeoutError } from './errors.js';
import type { RejectionReason } from './types.js';

const OPEN = 0;
const ENDED = 1;
const FAILED = 2;

/**
 * contract §12: what one caller of a streaming method holds, an async iterator of its own
 * chunks. The running batch pushes into it and never waits for it (a slow reader's chunks
 * wait here, not in the model); the caller leaves by `return()` (a `break`), by its signal, or
 * when its deadline passes before the first chunk.
 */
export class CallerStream<O = unknown> implements AsyncIterableIterator<O> {
  /** Aborts when the caller leaves: its engine call then leaves the queue, or its batch counts it out. */
  readonly leaving = new AbortController();
  /** The item's `signals[i]` for the method: aborts when the caller has left or the stream has ended. */
  readonly slot = new AbortController();
  /** Whether a first chunk came (the deadline no longer applies). */
  answered = false;
  /** Whether its caller left (by `break`, its signal or its deadline), rather than its batch ending it. */
  left = false;
  #state = OPEN;
  #error: unknown;
  /** What `fail` ended it with (an `Error` slot, a failed batch): kept after it is read. */
  #failure: unknown;
  /** How it ended, once it has: undefined while open or for a stream that ended well. */
  why: RejectionReason | undefined;
  /** Its cost and its partition key: set once, when it is admitted. */
  cost = 0;
  partitionKey: unknown = undefined;
  /** Told once, when it ends: to count a call refused before it queued, or settle one that joined a running batch. */
  onEnd: ((stream: CallerStream<O>) => void) | undefined;
  #buffer: O[] = [];
  #reader: { resolve(result: IteratorResult<O>): void; reject(error: unknown): void } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #detach: (() => void) | undefined;

  constructor(
    /** The caller's item. */
    readonly item: unknown,
    signal: AbortSignal | undefined,
    /** Its deadline on the first chunk, in ms; undefined for none. */
    timeout: number | undefined,
    name: string,
  ) {
    if (signal !== undefined) {
      const onAbort = (): void => this.#leave(signal.reason, true);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#detach = () => signal.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted === true) {
      this.#leave(signal.reason, true); // aborted before the call: it never queues
      return;
    }
    if (timeout !== undefined) {
      this.#timer = setTimeout(() => {
        if (!this.answered)
          this.#leave(new TimeoutError(`${name}: no first chunk within the call's ${timeout} ms deadline`), true);
      }, timeout);
    }
  }

  /** Whether its batch still owes it chunks: not ended, failed or left. */
  get open(): boolean {
    return this.#state === OPEN;
  }

  /** What its batch failed it with, if anything (not a caller's own leaving); for the engine's count of the call. */
  get failure(): unknown {
    return this.#failure;
  }

  /** The next chunk, from its batch. */
  push(chunk: O): void {
    if (this.#state !== OPEN) return;
    this.#answered();
    const reader = this.#reader;
    if (reader === undefined) {
      this.#buffer.push(chunk);
      return;
    }
    this.#reader = undefined;
    reader.resolve({ value: chunk, done: false });
  }

  /** Its batch ended its stream (`END`, or the method returned): what is buffered is still read. */
  end(): void {
    if (this.#state !== OPEN) return;
    this.#state = ENDED;
    this.#settle();
  }

  /** Its stream throws `error` once its buffered chunks are read (an `Error` slot, a failed batch), counted as `why`. */
  fail(error: unknown, why: RejectionReason = 'batchError'): void {
    if (this.#state !== OPEN) return;
    this.why = why;
    this.#state = FAILED;
    this.#error = error;
    this.#failure = error;
    this.#settle();
  }

  next(): Promise<IteratorResult<O>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift()!, done: false });
    if (this.#state === ENDED) return Promise.resolve({ value: undefined, done: true });
    if (this.#state === FAILED) {
      this.#state = ENDED; // it throws once, then is done
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- may be a caller's signal.reason, passed on
      return Promise.reject(this.#error);
    }
    return new Promise((resolve, reject) => (this.#reader = { resolve, reject }));
  }

  /** The caller stops reading (`break`): it leaves, and what it had not read is dropped. */
  return(): Promise<IteratorResult<O>> {
    this.#leave(undefined, false);
    this.#buffer = [];
    this.#state = ENDED;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The caller goes: by `break` (its stream ends), or by abort or deadline (it throws `reason` at its next read). */
  #leave(reason: unknown, throws: boolean): void {
    if (this.#state !== OPEN) return;
    this.left = true;
    this.why = reason instanceof TimeoutError ? 'timeout' : 'abort';
    if (throws) {
      this.#buffer = []; // chunks it had not read are dropped
      this.#state = FAILED;
      this.#error = reason;
    } else {
      this.#state = ENDED;
    }
    this.#settle();
    const why = reason ?? new Error('the caller stopped reading');
    this.leaving.abort(why);
  }

  /** The stream is over: its timers and listeners go, `signals[i]` aborts, a waiting read is answered. */
  #settle(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#detach?.();
    this.#detach = undefined;
    if (!this.slot.signal.aborted) this.slot.abort(this.#state === FAILED ? this.#error : undefined);
    this.onEnd?.(this);
    this.onEnd = undefined;
    const reader = this.#reader;
    if (reader === undefined) return;
    this.#reader = undefined;
    if (this.#state === FAILED) {
      this.#state = ENDED;
      reader.reject(this.#error);
    } else {
      reader.resolve({ value: undefined, done: true });
    }
  }

  #answered(): void {
    if (this.answered) return;
    this.answered = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** A stream that throws `error` at its first read: a call that failed before it reached a batcher. */
export function failedStream(error: unknown): CallerStream {
  const stream = new CallerStream(undefined, undefined, undefined, '');
  stream.fail(error);
  return stream;
}
