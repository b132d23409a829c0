// One replica behind HAProxy: the Fastify model server (examples/fastify-server.ts) and its
// agent port. On SIGTERM (a deploy, a scale-down) it leaves rotation first, then closes:
//   1. /ready turns 503 and the agent answers `drain`: HAProxy sends it nothing new;
//   2. after DRAIN_MS (longer than HAProxy takes to ask: agent-inter and inter are 250 ms in
//      config.ts), it closes the server and the batcher, which answers everything it holds;
//   3. it exits 0.
// Run by start.ts with PORT and AGENT_PORT; DEADLINE_MS is each request's whole-trip deadline.
import type { FastifyInstance } from 'fastify';
import { batcherOf } from 'batched-fn';
import { buildApp, closeApp, DEADLINE_MS, Rotation, type ServedModel } from '../fastify-server.js';
import { Classifier } from '../model.js';
import { numberFromEnv, portFromEnv } from '../env.js';
import { closeOnSignal } from '../shutdown.js';
import { startAgent } from './agent.js';

/** How long a leaving replica keeps serving before it closes: HAProxy must have seen it leave. */
export const DRAIN_MS = numberFromEnv('DRAIN_MS', 1_000, 'a number >= 0', (ms) => ms >= 0);

/** Serves `model` on PORT with the agent on AGENT_PORT, until SIGTERM; `extend` may add routes and hooks. */
export async function runReplica(model: ServedModel, extend?: (app: FastifyInstance) => void): Promise<void> {
  const rotation = new Rotation();
  const app = buildApp(model, rotation);
  extend?.(app);
  const agentPort = numberFromEnv('AGENT_PORT', 0, '1..65535', (port) => Number.isInteger(port) && port > 0);
  const agent = await startAgent(agentPort, batcherOf(model, 'predict'), rotation, DEADLINE_MS);
  const url = await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  console.log(`listening on ${url} (agent on ${agentPort})`);
  closeOnSignal(async () => {
    rotation.leaving = true;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    agent.close();
    await closeApp(app, model);
  });
}

if (require.main === module) void Classifier.load().then((model) => runReplica(model));
