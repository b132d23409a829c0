// A Nest provider whose method is batched. Nest injects the model through the constructor,
// which it finds in the `design:paramtypes` metadata that emitDecoratorMetadata writes; the
// same metadata lets @Batched check that `predict` is declared to take a batch (contract §6).
import { Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { Batched, closeBatchers, type BatchResults, type CallOptions } from 'batched-fn';
import { Mlp } from '../../bench/model.js';
import { CLASSIFIER_BATCHING, classify } from '../model.js';

@Injectable()
export class ClassifierService implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(private readonly mlp: Mlp) {}

  predict(features: number[], call?: CallOptions): Promise<number[]>;
  @Batched(CLASSIFIER_BATCHING)
  async predict<B extends number[][]>(batch: B): BatchResults<number[]> {
    return classify(this.mlp, batch);
  }

  /**
   * Nest runs this before it closes the HTTP server: every batcher of this provider answers
   * what is queued and waits for the model to return, so releasing it below is safe.
   */
  beforeApplicationShutdown(): Promise<void> {
    return closeBatchers(this);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.mlp.release();
  }
}
