import { expectedScores, expectOwnScores, featureRows, predictEach } from '../support/classifier-answers.js';
import { httpRequest, killLeftovers, startExample, type RunningExample } from '../support/example-process.js';

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
