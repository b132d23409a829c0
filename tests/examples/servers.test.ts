import { expectedScores, expectOwnScores, featureRows, predictEach } from '../support/classifier-answers.js';
import { httpRequest, killLeftovers, startExample, until, type RunningExample } from '../support/example-process.js';

// The three framework examples serve the same classifier on the same routes: start each by
// its npm script, send concurrent requests and a bad one, read /stats, stop it with SIGTERM.
afterEach(killLeftovers);

describe.each([['example:fastify'], ['example:express'], ['example:nestjs']])('%s', (script) => {
  test('answers each request with its own scores, refuses a bad input with 400, and stops on SIGTERM', async () => {
    const rows = featureRows(8);
    const expected = expectedScores(rows);
    const server: RunningExample = await startExample(script);

    expectOwnScores(await predictEach(server.url, rows), expected);

    const bad = await httpRequest(`${server.url}/predict`, 'POST', { features: [1, 2] });
    expect(bad.status).toBe(400);
    expect((bad.json() as { error: string }).error).toContain('`isFeatureVector` returned false for `[array of 2]`');

    const stats = (await httpRequest(`${server.url}/stats`)).json();
    expect(stats).toMatchObject({ queued: 0, running: 0, items: 8, resolved: 8, rejected: 1 });

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('SIGTERM: closing');
  }, 60_000);
});

// The NestJS example maps the library's errors with an exception filter: a full queue is 503
// at once, a deadline 504. A one-minute window keeps the first two requests queued.
test('example:nestjs answers a full queue with 503 and a passed deadline with 504', async () => {
  const server = await startExample('example:nestjs', {
    BATCH_DELAY_MS: '60000',
    MAX_QUEUE_SIZE: '2',
    CALL_TIMEOUT_MS: '500',
  });
  const queued = [1, 2].map(() => httpRequest(`${server.url}/predict`, 'POST', { features: [1, 2, 3, 4] }));
  await until(async () => ((await httpRequest(`${server.url}/stats`)).json() as { queued: number }).queued === 2);

  const refused = await httpRequest(`${server.url}/predict`, 'POST', { features: [1, 2, 3, 4] });
  expect(refused.status).toBe(503);
  expect((refused.json() as { error: string }).error).toBe(
    'ClassifierService.predict: the queue is full (maxQueueSize: 2); try again later',
  );
  for (const answer of await Promise.all(queued)) {
    expect(answer.status).toBe(504);
    expect((answer.json() as { error: string }).error).toBe(
      'ClassifierService.predict: the call timed out after 500 ms',
    );
  }
  expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
}, 60_000);
