import type { BatchQueue } from './batch-queue.js';
import type { RunningBatch } from './running-batch.js';

/** A `drain()` waiting for the calls made before it (numbered up to `seq`) and for batches running then. */
export interface Drain {
  readonly seq: number;
  /** Batches running at the time that have not ended yet. */
  batches: number;
  resolve(): void;
}

/**
 * contract §7 `drain()`: what drains wait for. Calls are numbered in arrival order, so a
 * drain needs no list of its calls: it is over once no call numbered up to its own is still
 * pending and the batches running when it began have ended.
 */
export class Drains {
  #waiting: Drain[] = [];

  /** A drain of the calls numbered up to `seq` and of the batches in `running`. */
  wait(seq: number, running: Iterable<RunningBatch>): Promise<void> {
    return new Promise((resolve) => {
      const drain: Drain = { seq, batches: 0, resolve };
      for (const batch of running) {
        drain.batches++;
        (batch.drains ??= []).push(drain);
      }
      this.#waiting.push(drain);
    });
  }

  /** A batch ended (returned, failed or timed out): the drains that waited for it wait no more. */
  static batchEnded(batch: RunningBatch): void {
    if (batch.drains !== undefined) for (const drain of batch.drains) drain.batches--;
    batch.drains = undefined;
  }

  /**
   * Resolves the drains that are over: no call numbered up to theirs is still pending, that is
   * queued (`queue`) or waiting in a batch that runs.
   */
  release(queue: BatchQueue, running: Iterable<RunningBatch>): void {
    if (this.#waiting.length === 0) return;
    let pendingFrom = queue.oldestSeq();
    for (const batch of running) {
      if (batch.live > 0 && batch.calls.minSeq < pendingFrom) pendingFrom = batch.calls.minSeq;
    }
    this.#waiting = this.#waiting.filter((drain) => {
      if (drain.batches > 0 || pendingFrom <= drain.seq) return true;
      drain.resolve();
      return false;
    });
  }
}
