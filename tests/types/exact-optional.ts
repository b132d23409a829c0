// Compiled with exactOptionalPropertyTypes (tsconfig.exact.json, in `npm run typecheck`): as
// strict codebases do. `undefined` is the documented way to remove an option or leave a call
// option unset, so the types admit it.
import { batched, type BatchedOptions, type CallOptions } from '../../src/index.js';

const predict = batched(async (xs: number[]) => xs, { delay: 5, timeout: 100, input: Number });
predict.configure({ timeout: undefined, input: undefined, output: undefined, onBatch: undefined });
predict.configure({ delay: undefined, maxBatchSize: undefined, shed: undefined, partitionBy: undefined });

declare const signal: AbortSignal | undefined;
declare const timeout: number | undefined;
const call: CallOptions = { signal, timeout, priority: undefined, meta: undefined };
void predict(1, call);

const fromConfig: BatchedOptions<number, number> = { batchTimeout: undefined, maxQueueSize: undefined };
void fromConfig;
