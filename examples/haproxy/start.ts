// HAProxy in front of REPLICAS model servers (3 by default), all on 127.0.0.1: the setup that
// npm run bench:replicas measured. HAProxy listens on PORT (3000); each replica is
// examples/haproxy/replica.ts on ports the system picks. Needs HAProxy: bash scripts/install-haproxy.sh.
//   npm run example:haproxy                 then: curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
//   npm run example:haproxy -- --print      prints the configuration it would run, and exits
// SIGTERM or Ctrl-C stops the replicas (each leaves rotation, answers what it holds, exits), then HAProxy.
import { DEADLINE_MS } from '../fastify-server.js';
import { numberFromEnv, portFromEnv } from '../env.js';
import { freePorts, startBalancer } from './balancer.js';
import { haproxyConfig, type Replica } from './config.js';
import { startReplica } from './replicas.js';

/** Requests one replica holds at once: two batches' worth of the classifier's maxBatchSize (32). */
const MAXCONN = 64;

async function main(): Promise<void> {
  const count = numberFromEnv('REPLICAS', 3, 'an integer >= 1', (n) => Number.isInteger(n) && n >= 1);
  const ports = await freePorts(2 * count);
  const replicas: Replica[] = Array.from({ length: count }, (_, i) => ({
    port: ports[2 * i]!,
    agentPort: ports[2 * i + 1]!,
  }));
  const port = portFromEnv() || (await freePorts(1))[0]!;
  // The classifier runs on this machine's CPU, beside the replica's event loop: every request
  // that reaches a replica costs that CPU, even a refused one. HAProxy's queue holds a request
  // a third of its deadline at most and refuses it itself after that, leaving the replica two
  // thirds to answer (bench:replicas: 0.92-0.98 of capacity in time at 1.5x, against 0.32 with
  // the whole deadline and 0.58-0.67 with no balancer). A model on an accelerator keeps the default.
  const config = (statsSocket?: string) =>
    haproxyConfig({
      port,
      replicas,
      deadlineMs: DEADLINE_MS,
      maxconn: MAXCONN,
      statsSocket,
      queueTimeoutMs: Math.round(DEADLINE_MS / 3),
    });
  if (process.argv.includes('--print')) return void process.stdout.write(config());

  const running = await Promise.all(replicas.map((replica) => startReplica('examples/haproxy/replica.ts', replica)));
  const balancer = await startBalancer(config, port).catch((error: unknown) => {
    for (const replica of running) replica.child.kill('SIGKILL');
    throw error;
  });
  console.log(`listening on http://127.0.0.1:${port} (HAProxy ${balancer.child.pid}, ${count} replicas)`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const replica of running) replica.child.kill('SIGTERM');
    await Promise.all(running.map((replica) => replica.exited));
    await balancer.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

void main();
