import { AutoPolicy } from './auto-policy.js';
import type { BatchQueue, Partition } from './batch-queue.js';
import { EndOfTurn } from './end-of-turn.js';
import { FixedWindow } from './fixed-window.js';
import type { ResolvedOptions } from './options.js';
import type { AutoStats } from './types.js';

/**
 * What a timing policy reads of the engine, and how it wakes it. Plain functions, not getters:
 * an object literal with getters gets a hidden class of its own per batcher.
 */
export interface TimingHost {
  readonly queue: BatchQueue;
  /** The sequence number of the last call queued. */
  lastSeq(): number;
  /** Whether a batch could start now (a slot is free). */
  slotFree(): boolean;
  /** Dispatches what is due; a policy calls it when its wait is over. */
  pump(): void;
}

/**
 * When a batch that is neither full, flushed nor closing may go: the engine asks, the policy
 * decides (contract §2 `delay`, §3, §5). One per batcher, replaced when `configure` changes
 * `delay`. Calls are numbered in arrival order; a policy marks calls up to a number as due.
 */
export interface Timing {
  /** Why such a batch leaves, for `onBatch` (contract §10). */
  readonly trigger: 'turn' | 'window';
  /** Calls numbered up to this one are due. */
  readonly dueSeq: number;
  /** With 'auto', the policy that decides whether a batch waits for company. */
  readonly auto: AutoPolicy | undefined;
  /** The arrival stamp (whole ms) of a call arriving now; `at` is the exact time if the engine read it, else -1. */
  arrive(at: number): number;
  /** Whether an arrival must pump even though its call is not the first and its partition is not full. */
  pumpsOnArrival(): boolean;
  /** Whether a partition's batch may go now by this policy (its oldest call's number and stamp say). */
  isDue(partition: Partition): boolean;
  /** Calls up to `seq` are due now (`flush()`). */
  markDue(seq: number): void;
  /** 'auto': whether a batch that could go now, whose oldest call is stamped `stamp` and which holds `queued` calls, waits a turn for company. */
  waitsForCompany(stamp: number, queued: number): boolean;
  /** A batch waits for company: ask again at the end of this turn. */
  waitAnotherTurn(): void;
  /** Arranges the next wake-up for what is still queued; called after every pump. */
  arm(): void;
  /** Drops any pending wake-up. */
  cancel(): void;
  stats(): AutoStats | undefined;
}

/** The policy for `options.delay`; `previous` hands over what is already due and what 'auto' has learnt. */
export function timingFor(options: ResolvedOptions, host: TimingHost, previous?: Timing): Timing {
  previous?.cancel();
  const dueSeq = previous?.dueSeq ?? 0;
  const { delay } = options;
  if (delay === 0) return new EndOfTurn(host, dueSeq, undefined);
  if (delay === 'auto') {
    const auto = previous?.auto ?? new AutoPolicy();
    auto.concurrency = options.concurrency;
    return new EndOfTurn(host, dueSeq, auto);
  }
  return new FixedWindow(host, dueSeq, delay);
}
