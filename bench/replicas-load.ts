// The load generator of bench:replicas, in a process of its own so that its CPU is its own:
// open-loop Poisson arrivals at a seeded rate (every contender offered the same arrival times),
// keep-alive connections as a client pool would use. For every request it reports when it was
// due (ms from the start), its HTTP status (0 for a connection reset or any other socket error)
// and its latency counted from when it was due, so time in the balancer, in sockets and in a
// lagging generator all count; a request unanswered 15 s after the last was due is status -1. It ends with its CPU time as a share of one core.
import { Agent, request } from 'node:http';
import { seededRandom } from './open-loop.js';

export interface LoadOrder {
  url: string;
  rate: number;
  seconds: number;
  seed: number;
}

export interface LoadReport {
  due: number[];
  status: number[];
  latency: number[];
  generatorCpu: number;
}

function run({ url, rate, seconds, seed }: LoadOrder): Promise<LoadReport> {
  const random = seededRandom(seed);
  const agent = new Agent({ keepAlive: true, maxSockets: 4_096 });
  const target = new URL(url);
  const body = JSON.stringify({ features: [1, 2, 3, 4] });
  const report: LoadReport = { due: [], status: [], latency: [], generatorCpu: 0 };
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1_000;
  let next = start;
  let scheduling = true;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      // A request with no answer 15 s after the last was due is reported as status -1: lost.
      for (const dueAt of waiting) answered(dueAt, -1);
      const cpu = process.cpuUsage(cpuBefore);
      report.generatorCpu = (cpu.user + cpu.system) / 1_000 / (performance.now() - start);
      agent.destroy();
      resolve(report);
    };
    /** Requests sent and not answered yet, by when they were due. */
    const waiting = new Set<number>();
    const giveUp = setTimeout(finish, seconds * 1_000 + 15_000);
    const answered = (dueAt: number, status: number) => {
      if (!waiting.delete(dueAt)) return; // answered after the give-up: already counted
      report.due.push(dueAt - start);
      report.status.push(status);
      report.latency.push(performance.now() - dueAt);
      if (waiting.size === 0 && !scheduling) finish();
    };
    const fire = (dueAt: number) => {
      waiting.add(dueAt);
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent },
        (res) => {
          res.resume();
          res.on('end', () => answered(dueAt, res.statusCode ?? 0));
        },
      );
      req.on('error', () => answered(dueAt, 0));
      req.setHeader('content-type', 'application/json');
      req.end(body);
    };
    const tick = () => {
      const now = performance.now();
      while (next <= now && next < end) {
        fire(next);
        next += (-Math.log(1 - random()) * 1_000) / rate;
      }
      if (next < end) return void setTimeout(tick, Math.max(0, next - performance.now()));
      scheduling = false;
      if (waiting.size === 0) finish();
    };
    tick();
  });
}

if (require.main === module) {
  process.once(
    'message',
    (order: LoadOrder) => void run(order).then((report) => process.send?.(report, () => process.exit(0))),
  );
}
