import type { BatchContext } from './types.js';

/**
 * In a step of a streaming batch method (contract §12): ends that item's stream. Entry `i` of
 * later steps is then ignored, but must be there.
 *
 * @example
 * ```ts
 * yield state.step().map((token, i) => (state.done[i] ? END : token));
 * ```
 */
export const END: unique symbol = Symbol.for('batched-fn.END');

/**
 * In a step of a streaming batch method (contract §12): gives that item's caller nothing this step.
 *
 * @example
 * ```ts
 * yield frames.map((frame) => (frame.ready ? frame.data : SKIP));
 * ```
 */
export const SKIP: unique symbol = Symbol.for('batched-fn.SKIP');

/**
 * The declared return type of a streaming batch method: one array per step, entry `i` the
 * next chunk of item `i`'s caller, or `END`, `SKIP` or an `Error`. The `| O` only lets
 * TypeScript accept the per-item overload (`generate(input): AsyncIterable<O>`), as in
 * `BatchResults`; a lone chunk yielded at run time fails the batch with `BatchContractError`.
 *
 * @example
 * ```ts
 * @Batched({ maxBatchSize: 16 })
 * async *generate<B extends string[]>(prompts: B, { signals }: StreamContext): BatchStream<string> { yield prompts.map(() => END); }
 * ```
 */
export type BatchStream<O> = AsyncIterable<readonly (O | Error | typeof END | typeof SKIP)[] | O>;

/**
 * The second argument of a streaming batch method.
 *
 * @example
 * ```ts
 * async *generate<B extends string[]>(prompts: B, { signals }: StreamContext): BatchStream<string> {
 *   while (!signals.every((s) => s.aborted)) yield prompts.map((_, i) => (signals[i]!.aborted ? END : 'token'));
 * }
 * ```
 */
export interface StreamContext extends BatchContext {
  /**
   * One signal per item of the batch (it grows as calls join): it aborts when that item's
   * caller has left or its stream has ended, so the model can stop computing it.
   */
  readonly signals: readonly AbortSignal[];
}
