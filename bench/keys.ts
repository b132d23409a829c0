// bench:keys: loaders with repeated keys (a Zipf mix over 1,000 keys, exponent 1.1), contract §11.
// (a) bulk: CALLS calls in one tick, batches of 100, medians of ROUNDS shuffled rounds: keys
//     sent to the backend per call, and ns per call from the first call until all have settled;
// (b) served: examples/users-api.ts's shape (PGlite, a user then its team) over HTTP, 64
//     closed-loop clients, SERVED requests per contender and round, SERVED_ROUNDS rounds.
// The last line is for scripts. BASELINE=<dist/cjs/index.js of the build before> (made by
// scripts/build-baseline.sh) adds it, without keys, for the A/B `plain_vs_before`.
//   npm run bench:keys
import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { forkServer } from './fork.js';
import { DATALOADER_CACHE, KEY_CACHE, KEY_ONLY, keyedContenders, PLAIN, zipfKeys } from './keys-contenders.js';
import { seededRandom, shuffled } from './open-loop.js';
import { median, percentile, round, table } from './stats.js';

const CALLS = Number(process.env.CALLS ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const SERVED = Number(process.env.SERVED ?? 10_000);
const SERVED_ROUNDS = Number(process.env.SERVED_ROUNDS ?? 3);
const CLIENTS = 64;
const KEYS = 1_000;
const EXPONENT = 1.1;

interface BulkResult {
  ns: number;
  sentPerCall: number;
  distinctPerBatchPerCall: number;
  batches: number;
}

/** One bulk round of `name`: a fresh loader, every call in one tick. */
async function bulkRound(name: string, keys: number[]): Promise<BulkResult> {
  let sent = 0;
  let batches = 0;
  let distinct = 0;
  const load = keyedContenders[name]!(async (batch: readonly number[]) => {
    sent += batch.length;
    batches++;
    distinct += new Set(batch).size;
    return batch.map((key) => key * 2);
  });
  const promises = new Array<Promise<unknown>>(keys.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < keys.length; i++) promises[i] = load(keys[i]!);
  const values = await Promise.all(promises);
  const ns = Number(process.hrtime.bigint() - start) / keys.length;
  if (values.some((value, i) => value !== keys[i]! * 2)) throw new Error(`${name} answered wrong: it measured nothing`);
  return { ns, sentPerCall: sent / keys.length, distinctPerBatchPerCall: distinct / keys.length, batches };
}

/** In a child process: every contender's bulk rounds, in a seeded shuffled order, as JSON. */
async function bulkWorkload(): Promise<Record<string, BulkResult>> {
  const keys = zipfKeys(CALLS, KEYS, EXPONENT, 1);
  const names = Object.keys(keyedContenders);
  const samples = new Map<string, BulkResult[]>(names.map((name) => [name, []]));
  for (const name of names) await bulkRound(name, keys); // warm-up
  const random = seededRandom(ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const order = shuffled(names, random);
    for (const name of order) {
      globalThis.gc?.();
      samples.get(name)!.push(await bulkRound(name, keys));
    }
  }
  return Object.fromEntries(
    names.map((name) => {
      const runs = samples.get(name)!;
      return [name, { ...runs[runs.length - 1]!, ns: median(runs.map((run) => run.ns)) }];
    }),
  );
}

interface ServedResult {
  rps: number;
  p50: number;
  p99: number;
  serverP50: number;
  serverP99: number;
  queriesPerRequest: number;
  idsPerRequest: number;
  generatorCpu: number;
}

/** One served round: a fresh server of `name`, CLIENTS closed-loop clients, SERVED requests. */
async function servedRound(name: string, ids: number[]): Promise<ServedResult> {
  process.env.CONTENDER = name;
  const { child, port } = await forkServer(join(__dirname, 'keys-server.ts'));
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const get = (path: string) =>
    new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}: ${body}`))));
      })
        .on('error', reject)
        .end();
    });
  try {
    for (let i = 0; i < 200; i++) await get(`/users/${(i % KEYS) + 1}`); // warm-up, the same for all
    const before = JSON.parse(await get('/stats')) as { queries: number; idsAsked: number };
    const latencies: number[] = [];
    let next = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          const sent = performance.now();
          await get(`/users/${id + 1}`);
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const after = JSON.parse(await get('/stats')) as { queries: number; idsAsked: number; p50: number; p99: number };
    return {
      rps: ids.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      serverP50: after.p50,
      serverP99: after.p99,
      queriesPerRequest: (after.queries - before.queries) / ids.length,
      idsPerRequest: (after.idsAsked - before.idsAsked) / ids.length,
      generatorCpu: (used.user + used.system) / 1e6 / seconds,
    };
  } finally {
    agent.destroy();
    child.disconnect();
  }
}

async function main(): Promise<void> {
  const names = Object.keys(keyedContenders);
  console.log(
    `bench:keys: a Zipf mix over ${KEYS} keys (exponent ${EXPONENT}); node ${process.version}` +
      (process.env.BASELINE ? `; baseline ${process.env.BASELINE}` : ''),
  );
  const child = spawnSync(process.execPath, [...process.execArgv, __filename], {
    env: { ...process.env, KEYS_WORKLOAD: 'bulk' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`the bulk workload exited with ${child.status}`);
  const bulk = JSON.parse(child.stdout) as Record<string, BulkResult>;
  const dataloaderNs = bulk[DATALOADER_CACHE]!.ns;
  console.log(`\n(a) bulk: ${CALLS} calls in one tick, batches of 100, medians of ${ROUNDS} shuffled rounds\n`);
  console.log(
    table(
      [
        'contender',
        'keys sent per call',
        'distinct keys per batch per call',
        'batches',
        'ns/call',
        'vs dataloader cache',
      ],
      names.map((name) => {
        const r = bulk[name]!;
        return [
          name,
          round(r.sentPerCall, 4),
          round(r.distinctPerBatchPerCall, 4),
          r.batches,
          round(r.ns, 1),
          `${round(r.ns / dataloaderNs)}x`,
        ];
      }),
    ),
  );

  const served = new Map<string, ServedResult[]>();
  const servedNames = names.filter((name) => name !== 'baseline');
  const random = seededRandom(7);
  const ids = zipfKeys(SERVED, KEYS, EXPONENT, 2);
  for (let r = 0; r < SERVED_ROUNDS; r++) {
    for (const name of shuffled(servedNames, random)) {
      served.set(name, [...(served.get(name) ?? []), await servedRound(name, ids)]);
    }
  }
  const medianOf = (name: string, field: keyof ServedResult) =>
    median(served.get(name)!.map((result) => result[field]));
  console.log(
    `\n(b) served: GET /users/:id (a user, then its team) over PGlite, ${CLIENTS} closed-loop clients, ` +
      `${SERVED} requests, medians of ${SERVED_ROUNDS} rounds\n`,
  );
  console.log(
    table(
      [
        'contender',
        'req/s',
        'p50 ms',
        'p99 ms',
        'server p50',
        'server p99',
        'queries/req',
        'ids asked/req',
        'generator CPU',
      ],
      servedNames.map((name) => [
        name,
        Math.round(medianOf(name, 'rps')),
        round(medianOf(name, 'p50'), 2),
        round(medianOf(name, 'p99'), 2),
        round(medianOf(name, 'serverP50'), 2),
        round(medianOf(name, 'serverP99'), 2),
        round(medianOf(name, 'queriesPerRequest'), 4),
        round(medianOf(name, 'idsPerRequest'), 4),
        `${Math.round(Math.max(...served.get(name)!.map((result) => result.generatorCpu)) * 100)}%`,
      ]),
    ),
  );
  const plainVsBefore = bulk.baseline === undefined ? 'NaN' : round(bulk[PLAIN]!.ns / bulk.baseline.ns, 3);
  console.log(
    `\ntrace: ${KEY_ONLY} sent ${round(bulk[KEY_ONLY]!.sentPerCall, 4)} keys per call; the distinct keys ` +
      `of each batch it received add up to ${round(bulk[KEY_ONLY]!.distinctPerBatchPerCall, 4)} per call`,
  );
  console.log(
    `keys: sent_per_call=${round(bulk[KEY_ONLY]!.sentPerCall, 4)} cache_sent_per_call=${round(bulk[KEY_CACHE]!.sentPerCall, 5)} ` +
      `overhead_vs_dataloader=${round(bulk[KEY_CACHE]!.ns / dataloaderNs, 3)} ` +
      `served_vs_dataloader=${round(medianOf(KEY_CACHE, 'rps') / medianOf(DATALOADER_CACHE, 'rps'), 3)} ` +
      `plain_vs_before=${plainVsBefore}`,
  );
}

if (process.env.KEYS_WORKLOAD === 'bulk') {
  void bulkWorkload().then((results) => process.stdout.write(JSON.stringify(results)));
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
