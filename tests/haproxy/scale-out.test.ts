import { Agent, request } from 'node:http';
import { freePorts, serverStates, startBalancer, type Balancer } from '../../examples/haproxy/balancer.js';
import { haproxyConfig, type Replica } from '../../examples/haproxy/config.js';
import { startReplica, type RunningReplica } from '../../examples/haproxy/replicas.js';
import { until } from '../support/example-process.js';

// Two replicas of examples/haproxy/replica.ts behind Debian's HAProxy, with the configuration
// of examples/haproxy/config.ts, under a steady trickle of requests: one replica is SIGKILLed
// (the balancer retries what it held on the other), started again, then the other is
// redeployed (SIGTERM: it leaves rotation, answers what it holds, exits; a new one starts).

const SCRIPT = 'examples/haproxy/replica.ts';
let balancer: Balancer | undefined;
const replicas: (RunningReplica | undefined)[] = [];

afterEach(async () => {
  for (const replica of replicas) replica?.child.kill('SIGKILL');
  await balancer?.stop();
});

interface Answer {
  phase: string;
  status: number | string;
}

/** Sends a request every `everyMs` on keep-alive connections, as a client would, until stopped. */
function trickle(url: string, everyMs: number, phase: () => string) {
  const agent = new Agent({ keepAlive: true });
  const answers: Answer[] = [];
  const pending = new Set<Promise<void>>();
  const send = () => {
    const sentIn = phase();
    const answered = new Promise<void>((resolve) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => (answers.push({ phase: sentIn, status: res.statusCode ?? 0 }), resolve()));
      });
      req.on(
        'error',
        (error: NodeJS.ErrnoException) => (
          answers.push({ phase: sentIn, status: error.code ?? error.message }),
          resolve()
        ),
      );
      req.end(JSON.stringify({ features: [1, 2, 3, 4] }));
    });
    pending.add(answered);
    void answered.then(() => pending.delete(answered));
  };
  const timer = setInterval(send, everyMs);
  return {
    answers,
    async stop(): Promise<Answer[]> {
      clearInterval(timer);
      await Promise.all(pending);
      agent.destroy();
      return answers;
    },
  };
}

test('a replica SIGKILLed and one redeployed under a trickle: nothing reset, every request sent during the redeploy answered 200', async () => {
  const ports = await freePorts(5);
  const addresses: Replica[] = [
    { port: ports[1]!, agentPort: ports[2]! },
    { port: ports[3]!, agentPort: ports[4]! },
  ];
  const port = ports[0]!;
  const start = async (i: number) => (replicas[i] = await startReplica(SCRIPT, addresses[i]!, { DEADLINE_MS: '2000' }));
  await Promise.all([start(0), start(1)]);
  balancer = await startBalancer(
    (statsSocket) => haproxyConfig({ port, replicas: addresses, deadlineMs: 2_000, maxconn: 64, statsSocket }),
    port,
  );
  const stateOf = async (server: string) => (await serverStates(balancer!, 'replicas')).get(server)?.status;
  const upAgain = (server: string) => until(async () => (await stateOf(server)) === 'UP');
  await Promise.all([upAgain('r1'), upAgain('r2')]);

  let phase = 'steady';
  const load = trickle(`http://127.0.0.1:${port}/predict`, 20, () => phase);
  const answered = (count: number) => until(async () => load.answers.length >= count);
  await answered(20);

  phase = 'kill';
  replicas[0]!.child.kill('SIGKILL');
  await until(async () => (await stateOf('r1')) === 'DOWN');
  await start(0);
  await upAgain('r1');

  phase = 'redeploy';
  const leaving = replicas[1]!;
  leaving.child.kill('SIGTERM');
  expect(await leaving.exited).toEqual({ code: 0, signal: null });
  expect(leaving.output()).toContain('SIGTERM: closing');
  await start(1);
  await upAgain('r2');

  phase = 'after';
  const sentBefore = load.answers.length;
  await answered(sentBefore + 20);
  const answers = await load.stop();

  const byPhase = (name: string) => answers.filter((answer) => answer.phase === name).map((answer) => answer.status);
  console.log(['steady', 'kill', 'redeploy', 'after'].map((name) => `${name}: ${byPhase(name).length}`).join(', '));
  // Every request got an HTTP answer a client can act on: nothing reset, no 502.
  expect(answers.filter((answer) => ![200, 503, 504].includes(answer.status as number))).toEqual([]);
  // The redeploy lost nothing and refused nothing.
  expect(byPhase('redeploy').length).toBeGreaterThan(0);
  expect(byPhase('redeploy').filter((status) => status !== 200)).toEqual([]);
  // The kill happened under load: requests were sent while r1 was dead.
  expect(byPhase('kill').length).toBeGreaterThan(0);
}, 120_000);
