import { type Admitted, watchCall } from './call-intake.js';
import { captured, newCall, QUEUED, RUNNING, type CallRecord, SETTLED } from './call-record.js';
import { isError, messageOf } from './describe.js';
import type { CacheMap, ResolvedOptions } from './options.js';
import { warn } from './runtime.js';
import { settleCall } from './settle.js';
import { Slot, SlotCaller } from './slot.js';
import type { Tally } from './tally.js';
import type { CallOptions, RejectionReason } from './types.js';

/** A result kept in the cache for a key. (While its key is computed, the entry is its `Slot`.) */
export class Kept {
  #promise: Promise<unknown> | undefined = undefined;

  constructor(readonly value: unknown) {}

  /** One promise of the value for every call that finds it, as DataLoader hands out. */
  get promise(): Promise<unknown> {
    return (this.#promise ??= Promise.resolve(this.value));
  }
}

/** A call with nothing of its own (no signal, deadline, priority or meta): it can share a promise. */
function isPlain(call: CallOptions | undefined, admitted: Admitted): boolean {
  if (admitted.timeout !== undefined) return false;
  return call === undefined || (call.signal === undefined && !call.priority && call.meta === undefined);
}

/** What a call with a key may find: a slot to join (queued, or with `cache` pending), or a kept result. */
export type KeyEntry = Slot | Kept;

/** What `KeyedCalls` asks of the engine: its own ways of queueing and of letting a call leave. */
export interface KeyHost {
  /** Queues a new slot as the engine queues a call with a record. */
  enqueue(slot: Slot, item: unknown, admitted: Admitted): void;
  /** A queued slot moves to a higher priority: a new caller outranks it. */
  raise(slot: Slot, priority: number): void;
  /** A slot whose callers have all left: out of the queue, or counted out of its running batch. */
  leave(slot: CallRecord, reason: unknown, why: RejectionReason): void;
}

/**
 * contract §11, for the engine: which slot a call with a key joins (one per key among the
 * queued calls of a partition), and with `cache` the results kept per key and the keys being
 * computed. The engine consults it once per call (`find` on admission, then `call`) and knows
 * nothing else of keys: a slot is one queued call with a record to it, and settling the slot
 * settles its callers (`Slot`). A batcher without `key` or `cache` has none of this.
 */
export class KeyedCalls {
  /** Calls that joined a queued slot (with `cache`, only one the cache had forgotten). */
  deduplicated = 0;
  /** Calls that found their key in the cache: a value, or a pending result they joined. */
  cacheHits = 0;
  readonly #key: ((item: unknown) => unknown) | undefined;
  readonly #cache: CacheMap | undefined;
  /** The newest slot of each key, by partition key; it is joined while queued. */
  readonly #slots = new Map<unknown, Map<unknown, Slot>>();
  #warnedAboutCache = false;
  /** Whether the last `find` found its entry in the cache; `call` reads it right after, for the same call. */
  #inCache = false;

  constructor(
    options: ResolvedOptions,
    /** `Class.method`, for messages. */
    private readonly name: string,
    private readonly tally: Tally,
    private readonly host: KeyHost,
  ) {
    this.#key = options.key;
    this.#cache = options.cache === true ? new Map() : options.cache;
  }

  /** Whether these calls were made for `options` (else `configure` makes new ones). */
  servesOptions(options: ResolvedOptions): boolean {
    return (
      options.key === this.#key && (options.cache === true ? this.#cache instanceof Map : options.cache === this.#cache)
    );
  }

  /** The call's key (the item itself without `key`); a `key` that throws is the caller's `TypeError`. */
  keyOf(item: unknown): unknown {
    if (this.#key === undefined) return item;
    try {
      return this.#key(item);
    } catch (cause) {
      throw new TypeError(`${this.name}: the \`key\` function threw: ${messageOf(cause)}`, { cause });
    }
  }

  /**
   * On admission: the cache's entry for `key` (a kept value, or the slot computing it), else
   * the queued slot of `key` in its partition (with `cache` too: after `clear`, a slot still
   * queued is one slot per key); undefined for a slot of its own.
   */
  find(partitionKey: unknown, key: unknown): KeyEntry | undefined {
    this.#inCache = false;
    if (this.#cache !== undefined) {
      const entry: unknown = this.#cache.get(key);
      this.#inCache = this.#ours(entry);
      if (this.#inCache) return entry as KeyEntry;
    }
    const slot = this.#slots.get(partitionKey)?.get(key);
    return slot !== undefined && slot.state === QUEUED ? slot : undefined;
  }

  /** An admitted call: settled from the cache, a caller of the slot it found, or the first caller of a new slot. */
  call(item: unknown, call: CallOptions | undefined, admitted: Admitted): Promise<unknown> {
    const found = admitted.found;
    if (found instanceof Kept) {
      this.cacheHits++;
      this.tally.resolved++;
      return found.promise;
    }
    const slot = found ?? this.#newSlot(call, admitted);
    if (found !== undefined) this.#count(found);
    if (isPlain(call, admitted)) {
      const shared = slot.joinPlain();
      if (found === undefined) this.host.enqueue(slot, item, admitted);
      return shared;
    }
    const promise = newCall();
    const caller = new SlotCaller(captured, call?.meta, slot, admitted.priority);
    watchCall(caller, call, admitted, this.name, this.#callerLeft);
    slot.join(caller);
    if (found === undefined) {
      this.host.enqueue(slot, item, admitted);
    } else if (admitted.priority > slot.priority && slot.state === QUEUED) {
      slot.priority = admitted.priority;
      this.host.raise(slot, admitted.priority);
    }
    return promise;
  }

  /** `prime(key, value)`: a value for a key that has none (not pending, not kept); an `Error` primes nothing. */
  prime(key: unknown, value: unknown): void {
    const cache = this.#cacheFor('prime');
    if (isError(value) || this.#ours(cache.get(key))) return;
    cache.set(key, new Kept(value));
  }

  /** `clear(key)`: forgets one key; a batch computing it still answers its callers, and keeps nothing. */
  clear(key: unknown): void {
    this.#cacheFor('clear').delete(key);
  }

  /** `clearAll()`: forgets every key. */
  clearAll(): void {
    const cache = this.#cacheFor('clearAll');
    if (typeof cache.clear !== 'function') {
      throw new TypeError(`${this.name}: clearAll() needs a \`cache\` with a clear method, and this one has none`);
    }
    cache.clear();
  }

  /** A call joins `slot`: a cache hit when the cache led it there, else deduplicated. */
  #count(slot: Slot): void {
    if (this.#inCache) {
      this.cacheHits++;
      return;
    }
    this.deduplicated++;
    // A queued slot the cache had forgotten (`clear`): its result is kept again.
    this.#cache?.set(slot.key, slot);
  }

  #newSlot(call: CallOptions | undefined, admitted: Admitted): Slot {
    const { slotKey, key } = admitted;
    const slot = new Slot(slotKey, key, admitted.cost, call?.meta, admitted.priority, this.tally, this.#settled);
    this.#cache?.set(slotKey, slot);
    let slots = this.#slots.get(key);
    if (slots === undefined) this.#slots.set(key, (slots = new Map<unknown, Slot>()));
    slots.set(slotKey, slot);
    return slot;
  }

  /** One caller of a slot leaves (abort, deadline); the slot goes when none is left. */
  readonly #callerLeft = (record: CallRecord, reason: unknown, why: RejectionReason): void => {
    if (record.state === SETTLED) return;
    const slot = (record as SlotCaller).slot;
    const anyLeft = slot.leave(record as SlotCaller);
    settleCall(this.tally, record.settle, record, reason, why);
    if (anyLeft) return;
    // With a cache, a key being computed runs on for the cache: a new caller joins it rather
    // than compute it twice at once (contract §11). Queued, or without a cache, it goes.
    if (this.#cache !== undefined && slot.state === RUNNING) return;
    this.host.leave(slot, reason, why);
  };

  /** A slot has settled: its result kept (`ok`, with `cache`) or its key forgotten. */
  readonly #settled = (slot: Slot, ok: boolean, value: unknown): void => {
    const slots = this.#slots.get(slot.partitionKey);
    if (slots?.get(slot.key) === slot) {
      slots.delete(slot.key);
      if (slots.size === 0) this.#slots.delete(slot.partitionKey);
    }
    const cache = this.#cache;
    if (cache === undefined) return;
    try {
      // Only while the entry is still this slot: the map may have dropped it (an LRU, a TTL,
      // `clear`), and then nothing is kept.
      if (cache.get(slot.key) !== slot) return;
      if (ok && !isError(value)) cache.set(slot.key, new Kept(value));
      else cache.delete(slot.key);
    } catch (error) {
      this.#warnOnce(`${this.name}: the cache threw (the result was delivered, not kept): ${messageOf(error)}`);
    }
  };

  /** Whether a cache entry is one of ours that still stands: a kept value, or a slot not yet settled. */
  #ours(entry: unknown): entry is KeyEntry {
    return entry instanceof Kept || (entry instanceof Slot && entry.state !== SETTLED);
  }

  #cacheFor(method: string): CacheMap {
    if (this.#cache === undefined) throw new TypeError(`${this.name}: ${method}() needs the \`cache\` option`);
    return this.#cache;
  }

  #warnOnce(message: string): void {
    if (this.#warnedAboutCache) return;
    this.#warnedAboutCache = true;
    warn(message, 'BatchedWarning');
  }
}
