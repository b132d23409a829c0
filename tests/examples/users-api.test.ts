import {
  httpRequest,
  killLeftovers,
  startExample,
  type HttpAnswer,
  type RunningExample,
} from '../support/example-process.js';

// examples/users-api.ts over a real database (PGlite), run as a user runs it, counting the
// queries the database was sent (GET /stats): each id is asked once per batch (`key`), once
// while it is kept (`cache`), and a key being computed is joined by the requests that come
// meanwhile; a missing id is asked again.
let server: RunningExample;

beforeAll(async () => {
  server = await startExample('example:users-api');
}, 60_000);
afterAll(async () => {
  await server.stop('SIGTERM');
  killLeftovers();
});

const get = (path: string): Promise<HttpAnswer> => httpRequest(`${server.url}${path}`);

interface Counts {
  queries: number;
  idsAsked: number;
  users: { cacheHits: number };
}
const counts = async (): Promise<Counts> => (await get('/stats')).json() as Counts;

/** What the database was sent while `act` ran. */
async function sentDuring(act: () => Promise<void>): Promise<{ queries: number; idsAsked: number }> {
  const before = await counts();
  await act();
  const after = await counts();
  return { queries: after.queries - before.queries, idsAsked: after.idsAsked - before.idsAsked };
}

test('one request that loads the same user three times sends one query per table, each id once', async () => {
  const sent = await sentDuring(async () => {
    const answer = await get('/users?ids=7,7,8,7');
    expect(answer.status).toBe(200);
    const users = answer.json() as { id: number; name: string; team: { id: number } }[];
    expect(users.map((user) => [user.id, user.name, user.team.id])).toEqual([
      [7, 'user 7', 8],
      [7, 'user 7', 8],
      [8, 'user 8', 9],
      [7, 'user 7', 8],
    ]);
  });
  expect(sent).toEqual({ queries: 2, idsAsked: 4 }); // users 7 and 8, then teams 8 and 9
}, 30_000);

test('a kept user is answered without a query; a missing one is asked again each time', async () => {
  expect(await sentDuring(async () => expect((await get('/users/8')).status).toBe(200))).toEqual({
    queries: 0,
    idsAsked: 0,
  });
  const missing = await sentDuring(async () => {
    expect((await get('/users/999999')).status).toBe(404);
    expect((await get('/users/999999')).status).toBe(404);
  });
  expect(missing).toEqual({ queries: 2, idsAsked: 2 });
}, 30_000);

test('concurrent requests for one new user: the database is asked for it once', async () => {
  const before = await counts();
  const sent = await sentDuring(async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => get('/users/20')));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
  });
  expect(sent).toEqual({ queries: 2, idsAsked: 2 }); // user 20, then its team
  expect((await counts()).users.cacheHits - before.users.cacheHits).toBe(19);
}, 30_000);

test('a bad id is a 400', async () => {
  expect((await get('/users/abc')).status).toBe(400);
  expect((await get('/users?ids=1,,2')).status).toBe(400);
}, 30_000);
