// bench:keys's server: GET /users/:id loads a user and then its team through two loaders of
// one contender (CONTENDER) over PGlite, as examples/users-api.ts does. GET /stats: what the
// database was sent and the server's own latency percentiles; it tells its parent its port.
import Fastify from 'fastify';
import { openUsersDb } from '../examples/users-db.js';
import { keyedContenders } from './keys-contenders.js';
import { percentile } from './stats.js';

async function main(): Promise<void> {
  const make = keyedContenders[process.env.CONTENDER ?? '']!;
  const db = await openUsersDb();
  const byId = <T extends { id: number }>(ids: readonly number[], rows: T[]): (T | Error)[] => {
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? new Error(`no ${id}`));
  };
  const user = make(async (ids) => byId(ids, await db.usersById(ids)));
  const team = make(async (ids) => byId(ids, await db.teamsById(ids)));
  const latencies: number[] = [];
  const app = Fastify();
  app.get<{ Params: { id: string } }>('/users/:id', async (request) => {
    const started = performance.now();
    const found = (await user(Number(request.params.id))) as { id: number; teamId: number };
    const answer = { ...found, team: await team(found.teamId) };
    latencies.push(performance.now() - started);
    return answer;
  });
  app.get('/stats', async () => ({
    queries: db.queries,
    idsAsked: db.idsAsked,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ port: (app.server.address() as { port: number }).port });
  process.on('disconnect', () => process.exit(0)); // the benchmark is done with it
}

void main();
