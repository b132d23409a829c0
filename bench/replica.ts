// A replica of bench:replicas: examples/haproxy/replica.ts (the Fastify server, its agent, its
// drain on SIGTERM) serving one of two models, with 'auto' and shedding as the README
// recommends for a server:
//   MODEL=sim (default): a simulated accelerator, a batch of n waits SIM_A + SIM_B·n ms on a
//     timer and uses no CPU, as a GPU model looks to the Node process;
//   MODEL=real: the demo's MLP (bench/model.ts) run by onnxruntime-node on the CPU, on a fixed
//     input row (what a request sends does not matter here).
// It also serves the readiness probe the README used to recommend, GET /ready-on-load (503
// while predictedWaitMs is above READY_MAX_WAIT_MS), for the baseline, and GET /latency: this
// replica's own latencies of its 200s since the last ask (from request received to response sent).
import type { FastifyInstance } from 'fastify';
import { Batched, batcherOf, type BatchResults, type CallOptions } from '../src/index.js';
import { runReplica } from '../examples/haproxy/replica.js';
import type { ServedModel } from '../examples/fastify-server.js';
import { DEFAULT_SHAPE, Mlp, seededFloats } from './model.js';
import { MAX_BATCH, SIM_A, SIM_B } from './replica-shape.js';
import { percentile } from './stats.js';

const READY_MAX_WAIT_MS = Number(process.env.READY_MAX_WAIT_MS ?? 75);

class SimulatedAccelerator {
  predict(features: number[], call?: CallOptions): Promise<number[]>;
  @Batched({ delay: 'auto', shed: true, maxBatchSize: MAX_BATCH })
  async predict<B extends number[][]>(batch: B): BatchResults<number[]> {
    await new Promise((resolve) => setTimeout(resolve, SIM_A + SIM_B * batch.length));
    return batch;
  }

  async release(): Promise<void> {}
}

class DemoModel {
  private readonly row = seededFloats(DEFAULT_SHAPE.inputSize, 1, 7);
  constructor(private readonly mlp: Mlp) {}

  predict(features: number[], call?: CallOptions): Promise<number[]>;
  @Batched({ delay: 'auto', shed: true, maxBatchSize: MAX_BATCH })
  async predict<B extends number[][]>(batch: B): BatchResults<number[]> {
    const scores = await this.mlp.run(batch.map(() => this.row));
    return scores.map((row) => [row[0]!]);
  }

  release(): Promise<void> {
    return this.mlp.release();
  }
}

/** The benchmark's own routes: the old readiness probe and this replica's latencies. */
function benchRoutes(model: ServedModel) {
  let latencies: number[] = [];
  return (app: FastifyInstance) => {
    app.addHook('onResponse', async (_request, reply) => {
      if (reply.statusCode === 200 && reply.request.url === '/predict') latencies.push(reply.elapsedTime);
    });
    app.get('/ready-on-load', async (_request, reply) => {
      const { predictedWaitMs = 0 } = batcherOf(model, 'predict').stats();
      return reply.code(predictedWaitMs <= READY_MAX_WAIT_MS ? 200 : 503).send({ predictedWaitMs });
    });
    app.get('/latency', async () => {
      const answer = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), count: latencies.length };
      latencies = [];
      return answer;
    });
  };
}

if (require.main === module) {
  const loaded =
    process.env.MODEL === 'real'
      ? Mlp.load().then((mlp) => new DemoModel(mlp))
      : Promise.resolve(new SimulatedAccelerator());
  void loaded.then((model) => runReplica(model, benchRoutes(model)));
}
