// HAProxy's agent check (`agent-check agent-port N` on a server line): HAProxy connects to this
// port every `agent-inter` and reads one line. The replica answers with how much traffic it
// wants: a weight from its own forecast (stats().predictedWaitMs against the deadline), never
// below MIN_WEIGHT_PERCENT, so that under global overload every replica stays in rotation and
// sheds for itself (a weight of 0 would take it out, as a readiness probe on load does); and
// `drain` once it is leaving, so that HAProxy sends it nothing new before it closes.
import { createServer, type Server } from 'node:net';
import type { BatcherControls } from 'batched-fn';
import type { Rotation } from '../fastify-server.js';

/** The least weight a replica asks for: it stays in rotation whatever its load. */
export const MIN_WEIGHT_PERCENT = 10;

/**
 * The agent's answer: `drain` when leaving, else `ready` and a weight that falls from 100% (no
 * predicted wait) to MIN_WEIGHT_PERCENT (a predicted wait of the whole deadline or more).
 */
export function agentReply(rotation: Rotation, predictedWaitMs: number | undefined, deadlineMs: number): string {
  if (rotation.leaving) return 'drain\n';
  const room = 1 - (predictedWaitMs ?? 0) / deadlineMs;
  const weight = Math.round(Math.min(100, Math.max(MIN_WEIGHT_PERCENT, 100 * room)));
  return `ready ${weight}%\n`;
}

/** Listens for HAProxy's agent checks on 127.0.0.1:`port`; resolves once listening. */
export function startAgent(
  port: number,
  batcher: Pick<BatcherControls, 'stats'>,
  rotation: Rotation,
  deadlineMs: number,
): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy()); // HAProxy hung up first: nothing to tell
    socket.end(agentReply(rotation, batcher.stats().predictedWaitMs, deadlineMs));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
