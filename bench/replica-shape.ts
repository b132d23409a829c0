// What bench:replicas and its replicas agree on, in a module of its own so that the benchmark
// reads it without loading a replica (Fastify, onnxruntime) into its own process.

/** The simulated accelerator: a batch of n waits SIM_A + SIM_B·n ms. */
export const SIM_A = Number(process.env.SIM_A ?? 40);
export const SIM_B = Number(process.env.SIM_B ?? 4);
/** Every replica's maxBatchSize. */
export const MAX_BATCH = 32;
