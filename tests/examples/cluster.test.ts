import { expectedScores, expectScoresClose, featureRows } from '../support/classifier-answers.js';
import { httpRequest, killLeftovers, startExample } from '../support/example-process.js';

afterEach(killLeftovers);

// examples/cluster.ts with two workers: new connections go round-robin, each worker batches
// its own share, and SIGTERM to the primary closes both workers gracefully.
test('example:cluster serves from every worker and stops them all on SIGTERM', async () => {
  const server = await startExample('example:cluster', { WORKERS: '2' });
  const rows = featureRows(12);
  const expected = expectedScores(rows);
  const answers = await Promise.all(rows.map((features) => httpRequest(`${server.url}/predict`, 'POST', { features })));
  answers.forEach((answer, i) => {
    expect(answer.status).toBe(200);
    expectScoresClose((answer.json() as { scores: unknown }).scores, expected[i]!);
  });
  const workers = new Set(answers.map((answer) => answer.headers['x-worker-pid']));
  expect(workers.size).toBe(2);

  expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  expect(server.output().match(/SIGTERM: closing/g)).toHaveLength(3); // the primary and both workers
  expect(server.output()).not.toContain('exited with');
}, 60_000);
