// bench:stream: the streaming example (examples/streaming-server.ts: a GRU token generator run
// by onnxruntime-node, tokens as server-sent events) over HTTP, closed loop, at 1, 16 and 64
// concurrent streams, with generation lengths fixed (64 tokens) and varying (8 to 256,
// log-uniform, seeded). Contenders: one model run per stream (no batching), batched, and
// batched with `join`. SECONDS per point; the requests in flight at the end are finished.
//   npm run bench:stream            (SECONDS=n, CONCURRENCY=1,16,64 to change the workload)
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { forkServer } from './fork.js';
import { seededRandom } from './open-loop.js';
import { dataOf, SseReader } from './sse.js';
import { median, percentile, round, table } from './stats.js';

const SECONDS = Number(process.env.SECONDS ?? 8);
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
function lengthsOf(kind: Lengths): () => number {
  if (kind === 'fixed') return () => FIXED;
  const random = seededRandom(11);
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

async function measure(port: number, clients: number, lengths: Lengths): Promise<Point> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const nextLength = lengthsOf(lengths);
  const before = await getJson<{ steps: number; rowsComputed: number }>(port, '/stats');
  const results: Stream[] = [];
  let issued = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stopAt = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < stopAt)
        results.push(await stream(port, agent, nextLength(), `c${client}r${issued++}`));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const after = await getJson<{ steps: number; rowsComputed: number }>(port, '/stats');
  agent.destroy();
  const ttft = results.map((r) => r.firstMs);
  const gaps = results.flatMap((r) => r.gaps);
  return {
    tokensPerSecond: results.reduce((sum, r) => sum + r.tokens, 0) / seconds,
    ttftP50: percentile(ttft, 50),
    ttftP99: percentile(ttft, 99),
    chunkP50: percentile(gaps, 50),
    chunkP99: percentile(gaps, 99),
    openSlots: (after.rowsComputed - before.rowsComputed) / Math.max(1, after.steps - before.steps),
    generatorCpu: (used.user + used.system) / 1e6 / seconds,
    requests: results.length,
  };
}

async function main(): Promise<void> {
  console.log(`bench:stream: ${SECONDS} s per point, streams ${CONCURRENCY.join(', ')}; node ${process.version}`);
  const points = new Map<string, Point>();
  const key = (contender: Contender, clients: number, lengths: Lengths) => `${contender}|${clients}|${lengths}`;
  for (const contender of Object.keys(CONTENDERS) as Contender[]) {
    Object.assign(process.env, { BATCHING: '', NO_JOIN: '', PORT: '0' }, CONTENDERS[contender]);
    const { child, port } = await forkServer(join(__dirname, 'stream-server.ts'));
    try {
      await stream(port, new Agent(), 8, 'warm-up');
      for (const lengths of ['fixed', 'varying'] as const) {
        for (const clients of CONCURRENCY)
          points.set(key(contender, clients, lengths), await measure(port, clients, lengths));
      }
    } finally {
      child.kill('SIGTERM');
    }
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
  void median;
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
