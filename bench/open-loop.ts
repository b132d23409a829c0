// An open-loop load generator: requests sent at a fixed mean rate with Poisson arrivals
// (exponential gaps), whether or not earlier ones were answered, as real traffic does. Each
// latency counts from when the request was due to be sent, so a lagging generator shows up
// in the client figure instead of hiding the queue (no coordinated omission). The arrival times
// come from a seeded generator: routes measured with the same seed are offered exactly the same
// requests at the same moments, so their figures differ by the server alone.
import { Agent, request } from 'node:http';

export interface OpenLoopResult {
  sent: number;
  completed: number;
  errors: number;
  /** Client-side latencies in ms of the 200 answers, from each request's scheduled send time. */
  latencies: number[];
  /** Latencies of every answer, by HTTP status (200 included). */
  byStatus: Record<number, number[]>;
  /** Completed requests per second, over the time from the first send to the last answer. */
  rps: number;
}

export async function openLoop(
  url: string,
  rate: number,
  seconds: number,
  body: string,
  seed: number,
): Promise<OpenLoopResult> {
  const random = seededRandom(seed);
  const agent = new Agent({ keepAlive: true, maxSockets: 1_024 });
  const target = new URL(url);
  const latencies: number[] = [];
  const byStatus: Record<number, number[]> = {};
  let [sent, completed, errors, outstanding] = [0, 0, 0, 0];
  const start = performance.now();
  const end = start + seconds * 1_000;
  let next = start;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let scheduling = true;
  let lastAnswer = start;

  const fire = (dueAt: number): void => {
    sent++;
    outstanding++;
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent },
      (res) => {
        res.resume();
        res.on('end', () => {
          (byStatus[res.statusCode ?? 0] ??= []).push(performance.now() - dueAt);
          if (res.statusCode === 200) {
            completed++;
            lastAnswer = performance.now();
            latencies.push(lastAnswer - dueAt);
          } else errors++;
          settle();
        });
      },
    );
    req.on('error', () => (errors++, settle()));
    req.setHeader('content-type', 'application/json');
    req.end(body);
  };
  const settle = (): void => {
    outstanding--;
    if (!scheduling && outstanding === 0) finish();
  };
  const tick = (): void => {
    const now = performance.now();
    while (next <= now && next < end) {
      fire(next);
      next += (-Math.log(1 - random()) * 1_000) / rate;
    }
    if (next < end) setTimeout(tick, Math.max(0, next - performance.now()));
    else {
      scheduling = false;
      if (outstanding === 0) finish();
    }
  };
  tick();
  // Requests still unanswered 10 s after the last was sent count as errors.
  const giveUp = setTimeout(finish, seconds * 1_000 + 10_000);
  await finished;
  clearTimeout(giveUp);
  errors += outstanding;
  agent.destroy();
  // A server that cannot keep up answers late: its rate is what it answered, over that longer time.
  return {
    sent,
    completed,
    errors,
    latencies,
    byStatus,
    rps: (completed * 1_000) / Math.max(seconds * 1_000, lastAnswer - start),
  };
}

/** Calls `call` at Poisson arrival times (seeded) for `seconds`; resolves once every call has settled. */
export async function arrivals(rate: number, seconds: number, seed: number, call: () => Promise<void>): Promise<void> {
  const random = seededRandom(seed);
  const settled: Promise<void>[] = [];
  const start = performance.now();
  let next = start;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      while (next <= now && next < start + seconds * 1_000) {
        settled.push(call());
        next += (-Math.log(1 - random()) * 1_000) / rate;
      }
      if (next < start + seconds * 1_000) setTimeout(tick, Math.max(0, next - performance.now()));
      else done();
    };
    tick();
  });
  await Promise.all(settled);
}

/** Uniform numbers in [0, 1) from a 32-bit seed (mulberry32): the same seed, the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A copy of `values` in a random order (Fisher–Yates). */
export function shuffled<T>(values: readonly T[], random: () => number): T[] {
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
