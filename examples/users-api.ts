// A small HTTP API over a real database (PGlite: Postgres in WebAssembly, in memory): its
// handlers load users and their teams by id one at a time, as resolvers do, and a batched
// loader turns that into one query per batch with each id asked once (`key`), and keeps what
// it loaded for a minute (`cache`, an LRU with a TTL) so a popular id is not asked again.
// Run it: npm run example:users-api (PORT=0 picks a free port), then
//   curl -s localhost:3000/users/7
//   curl -s 'localhost:3000/users?ids=7,7,8'     (id 7 is asked of the database once)
//   curl -s localhost:3000/stats                 (queries sent, cache hits)
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { LRUCache } from 'lru-cache';
import { Batched, batcherOf, type BatchResults, type CallOptions } from 'batched-fn';
import { portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';
import { openUsersDb, type Team, type User, type UsersDb } from './users-db.js';

/** A user or team that does not exist: the API answers 404. */
export class NotFound extends Error {}

/** One result per id, in the order asked; an id the database has not is a `NotFound` (never cached). */
function byId<T extends { id: number }>(ids: readonly number[], rows: readonly T[], what: string): (T | Error)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id) ?? new NotFound(`no ${what} ${id}`));
}

export class Loaders {
  // One cache per loader instance: a second API (a test's, a tenant's) keeps its own.
  readonly userCache = new LRUCache<number, object>({ max: 10_000, ttl: 60_000 });
  readonly teamCache = new LRUCache<number, object>({ max: 1_000, ttl: 60_000 });

  constructor(readonly db: UsersDb) {}

  user(id: number, call?: CallOptions): Promise<User>;
  @Batched((self: Loaders) => ({
    delay: 0, // the calls one request makes in one tick share a query
    maxBatchSize: 500,
    key: (id: number) => id,
    cache: self.userCache,
  }))
  async user<B extends number[]>(ids: B): BatchResults<User> {
    return byId(ids, await this.db.usersById(ids), 'user');
  }

  team(id: number, call?: CallOptions): Promise<Team>;
  @Batched((self: Loaders) => ({ delay: 0, maxBatchSize: 500, key: (id: number) => id, cache: self.teamCache }))
  async team<B extends number[]>(ids: B): BatchResults<Team> {
    return byId(ids, await this.db.teamsById(ids), 'team');
  }
}

/** A user with its team, as the API answers it. */
async function userWithTeam(loaders: Loaders, id: number) {
  const user = await loaders.user(id);
  return { ...user, team: await loaders.team(user.teamId) };
}

/** Ids from a path or query parameter: positive integers, else a 400. */
function ids(text: string | undefined): number[] | undefined {
  const ids = (text ?? '').split(',').map(Number);
  return ids.length > 0 && ids.every((id) => Number.isSafeInteger(id) && id > 0) ? ids : undefined;
}

export function buildApp(loaders: Loaders): FastifyInstance {
  const app = Fastify();
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof NotFound) return reply.code(404).send({ error: error.message });
    return reply.code(500).send({ error: String(error) });
  });
  app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
    const [id] = ids(request.params.id) ?? [];
    if (id === undefined) return reply.code(400).send({ error: 'expected a user id' });
    return userWithTeam(loaders, id);
  });
  // Many users at once, each loaded on its own: repeated ids and shared teams cost one row each.
  app.get<{ Querystring: { ids?: string } }>('/users', async (request, reply) => {
    const wanted = ids(request.query.ids);
    if (wanted === undefined) return reply.code(400).send({ error: 'expected ?ids=1,2,3' });
    return Promise.all(wanted.map((id) => userWithTeam(loaders, id)));
  });
  app.get('/stats', async () => ({
    queries: loaders.db.queries,
    idsAsked: loaders.db.idsAsked,
    users: batcherOf(loaders, 'user').stats(),
    teams: batcherOf(loaders, 'team').stats(),
  }));
  return app;
}

export async function start(port = portFromEnv()): Promise<{ app: FastifyInstance; loaders: Loaders }> {
  const loaders = new Loaders(await openUsersDb());
  const app = buildApp(loaders);
  app.addHook('onClose', async () => {
    await Promise.all([batcherOf(loaders, 'user').close(), batcherOf(loaders, 'team').close()]);
    await loaders.db.close();
  });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, loaders };
}

if (require.main === module) {
  void start().then(({ app }) => {
    console.log(`users API listening on http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    closeOnSignal(() => app.close());
  });
}
