// bench:stream: the streaming example (examples/streaming-server.ts: a GRU token generator run
// by onnxruntime-node, tokens as server-sent events) over HTTP, closed loop, at 1, 16 and 64
// concurrent streams, with generation lengths fixed (64 tokens) and varying (8 to 256,
// log-uniform, seeded). Contenders: one model run per stream (no batching), batched, and
// batched with `join`. SECONDS per point and contender, in ROUNDS stretches taken in rotation;
// the requests in flight at the end of a stretch are finished and counted.
//   npm run bench:stream            (SECONDS=n, ROUNDS=n, CONCURRENCY=1,16,64 to change the workload)
import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { forkServer } from './fork.js';
import { seededRandom } from './open-loop.js';
import { dataOf, SseReader } from './sse.js';
import { percentile, round, table } from './stats.js';

const SECONDS = Number(process.env.SECONDS ?? 9);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,16,64').split(',').map(Number);
const FIXED = 64;

const CONTENDERS = {
  unbatched: { BATCHING: 'unbatched' },
  batched: { NO_JOIN: '1' },
  'batched + join': {},
} as const;
type Contender = keyof typeof CONTENDERS;
type Lengths = 'fixed' | 'varying';

interface Point {
  tokensPerSecond: number;
  ttftP50: number;
  ttftP99: number;
  chunkP50: number;
  chunkP99: number;
  openSlots: number;
  generatorCpu: number;
  requests: number;
}

/** Lengths from 8 to 256, log-uniform, seeded: the same sequence for every contender. */
function lengthsOf(kind: Lengths, round: number): () => number {
  if (kind === 'fixed') return () => FIXED;
  const random = seededRandom(11 + round);
  return () => Math.round(8 * 32 ** random());
}

interface Stream {
  firstMs: number;
  gaps: number[];
  tokens: number;
}

function stream(port: number, agent: Agent, maxTokens: number, prompt: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/generate',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        const result: Stream = { firstMs: NaN, gaps: [], tokens: 0 };
        let last = sent;
        const events = new SseReader();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const event of events.push(chunk)) {
            if (dataOf(event) === undefined) continue;
            const now = performance.now();
            if (result.tokens === 0) result.firstMs = now - sent;
            else result.gaps.push(now - last);
            last = now;
            result.tokens++;
          }
        });
        res.on('end', () => resolve(result));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ prompt, maxTokens }));
  });
}

async function getJson<T>(port: number, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body) as T));
    })
      .on('error', reject)
      .end();
  });
}

/** What one stretch of load on one contender saw. */
interface Sample {
  streams: Stream[];
  seconds: number;
  cpuSeconds: number;
  rows: number;
  steps: number;
}

async function measure(port: number, clients: number, nextLength: () => number, seconds: number): Promise<Sample> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const before = await getJson<{ steps: number; rowsComputed: number }>(port, '/stats');
  const streams: Stream[] = [];
  let issued = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < stopAt)
        streams.push(await stream(port, agent, nextLength(), `c${client}r${issued++}`));
    }),
  );
  const used = process.cpuUsage(cpu);
  const after = await getJson<{ steps: number; rowsComputed: number }>(port, '/stats');
  agent.destroy();
  return {
    streams,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    rows: after.rowsComputed - before.rowsComputed,
    steps: after.steps - before.steps,
  };
}

/** A point's figures from its samples, pooled over rounds. */
function pooled(samples: Sample[]): Point {
  const streams = samples.flatMap((sample) => sample.streams);
  const seconds = samples.reduce((sum, sample) => sum + sample.seconds, 0);
  const ttft = streams.map((r) => r.firstMs);
  const gaps = streams.flatMap((r) => r.gaps);
  return {
    tokensPerSecond: streams.reduce((sum, r) => sum + r.tokens, 0) / seconds,
    ttftP50: percentile(ttft, 50),
    ttftP99: percentile(ttft, 99),
    chunkP50: percentile(gaps, 50),
    chunkP99: percentile(gaps, 99),
    openSlots:
      samples.reduce((sum, s) => sum + s.rows, 0) /
      Math.max(
        1,
        samples.reduce((sum, s) => sum + s.steps, 0),
      ),
    generatorCpu: Math.max(...samples.map((sample) => sample.cpuSeconds / sample.seconds)),
    requests: streams.length,
  };
}

async function main(): Promise<void> {
  console.log(
    `bench:stream: ${SECONDS} s per point and contender in ${ROUNDS} rounds, streams ${CONCURRENCY.join(', ')}; node ${process.version}`,
  );
  const points = new Map<string, Point>();
  const key = (contender: Contender, clients: number, lengths: Lengths) => `${contender}|${clients}|${lengths}`;
  const contenders = Object.keys(CONTENDERS) as Contender[];
  // Every contender's server is up for the whole run, and each point is measured in ROUNDS
  // stretches per contender, in rotation: a drift of the machine (another process, the heat)
  // then falls on all three alike instead of on whichever ran last.
  const servers = new Map<Contender, { child: ChildProcess; port: number }>();
  try {
    for (const contender of contenders) {
      Object.assign(process.env, { BATCHING: '', NO_JOIN: '', PORT: '0' }, CONTENDERS[contender]);
      const server = await forkServer(join(__dirname, 'stream-server.ts'));
      servers.set(contender, server);
      await stream(server.port, new Agent(), 8, 'warm-up');
    }
    for (const lengths of ['fixed', 'varying'] as const) {
      for (const clients of CONCURRENCY) {
        const samples = new Map<Contender, Sample[]>(contenders.map((c) => [c, []]));
        for (let round = 0; round < ROUNDS; round++) {
          const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
          for (const contender of order) {
            // The same lengths for every contender in a round.
            const sample = await measure(
              servers.get(contender)!.port,
              clients,
              lengthsOf(lengths, round),
              SECONDS / ROUNDS,
            );
            samples.get(contender)!.push(sample);
          }
        }
        for (const contender of contenders)
          points.set(key(contender, clients, lengths), pooled(samples.get(contender)!));
      }
    }
  } finally {
    for (const { child } of servers.values()) child.kill('SIGTERM');
  }
  for (const lengths of ['fixed', 'varying'] as const) {
    console.log(
      `\n${lengths === 'fixed' ? `fixed lengths (${FIXED} tokens)` : 'varying lengths (8 to 256, log-uniform)'}\n`,
    );
    console.log(
      table(
        [
          'contender',
          'streams',
          'tokens/s',
          'ttft p50 ms',
          'ttft p99 ms',
          'chunk p50 ms',
          'chunk p99 ms',
          'open slots/step',
          'requests',
          'generator CPU',
        ],
        [...points.entries()]
          .filter(([k]) => k.endsWith(`|${lengths}`))
          .map(([k, p]) => {
            const [contender, clients] = k.split('|');
            return [
              contender!,
              clients!,
              Math.round(p.tokensPerSecond),
              round(p.ttftP50, 1),
              round(p.ttftP99, 1),
              round(p.chunkP50, 2),
              round(p.chunkP99, 2),
              round(p.openSlots, 1),
              p.requests,
              `${Math.round(p.generatorCpu * 100)}%`,
            ];
          }),
      ),
    );
  }
  const at = (contender: Contender, clients: number, lengths: Lengths) => points.get(key(contender, clients, lengths))!;
  const top = Math.max(...CONCURRENCY);
  const low = Math.min(...CONCURRENCY);
  console.log(
    `\nstream: speedup_c64=${round(at('batched', top, 'fixed').tokensPerSecond / at('unbatched', top, 'fixed').tokensPerSecond, 3)} ` +
      `join_ttft_p99_ratio=${round(at('batched + join', top, 'varying').ttftP99 / at('batched', top, 'varying').ttftP99, 3)} ` +
      `join_tokens_ratio=${round(at('batched + join', top, 'varying').tokensPerSecond / at('batched', top, 'varying').tokensPerSecond, 3)} ` +
      `c1_ttft_ratio=${round(at('batched', low, 'fixed').ttftP50 / at('unbatched', low, 'fixed').ttftP50, 3)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
