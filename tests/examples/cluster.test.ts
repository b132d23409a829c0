import { expectedScores, expectOwnScores, featureRows, predictEach } from '../support/classifier-answers.js';
import { killLeftovers, startExample } from '../support/example-process.js';

afterEach(killLeftovers);

// examples/cluster.ts with two workers: new connections go round-robin, each worker batches
// its own share, and SIGTERM to the primary closes both workers gracefully.
test('example:cluster serves from every worker and stops them all on SIGTERM', async () => {
  const server = await startExample('example:cluster', { WORKERS: '2' });
  const rows = featureRows(12);
  const expected = expectedScores(rows);
  const answers = await predictEach(server.url, rows);
  expectOwnScores(answers, expected);
  const workers = new Set(answers.map((answer) => answer.headers['x-worker-pid']));
  expect(workers.size).toBe(2);

  expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  expect(server.output().match(/SIGTERM: closing/g)).toHaveLength(3); // the primary and both workers
  expect(server.output()).not.toContain('exited with');
}, 60_000);
