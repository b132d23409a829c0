import { expectedScores, expectOwnScores, featureRows, predictEach } from '../support/classifier-answers.js';
import { httpRequest, killLeftovers, startExample, until } from '../support/example-process.js';

afterEach(killLeftovers);

// examples/graceful-shutdown.ts with a batching window of a minute: requests sit in the queue
// when SIGTERM arrives; close() must send them at once, and each caller gets its answer.
test('example:shutdown answers every queued request on SIGTERM, then exits 0', async () => {
  const server = await startExample('example:shutdown', { BATCH_DELAY_MS: '60000' });
  const rows = featureRows(10);
  const expected = expectedScores(rows);
  const answers = predictEach(server.url, rows);
  await until(async () => ((await httpRequest(`${server.url}/stats`)).json() as { queued: number }).queued === 10);

  const exit = server.stop('SIGTERM');
  expectOwnScores(await answers, expected);
  expect(await exit).toEqual({ code: 0, signal: null });
  expect(server.output()).toContain('in flight: 10 queued, 0 batch(es) running');
  expect(server.output()).toContain('closed: 10 resolved, 0 rejected, 0 left');
}, 60_000);

// The same server: a client that hangs up while its input is queued aborts its call, so the
// input leaves the queue and never reaches the model.
test('a client that hangs up takes its queued input out of the queue', async () => {
  const server = await startExample('example:shutdown', { BATCH_DELAY_MS: '60000' });
  const stats = async () => (await httpRequest(`${server.url}/stats`)).json() as Record<string, number>;
  const client = new AbortController();
  const hungUp = httpRequest(`${server.url}/predict`, 'POST', { features: [1, 2, 3, 4] }, client.signal);
  await until(async () => (await stats()).queued === 1);

  client.abort();
  await expect(hungUp).rejects.toThrow('The operation was aborted');
  await until(async () => (await stats()).queued === 0);
  expect(await stats()).toMatchObject({ queued: 0, batches: 0, items: 0, resolved: 0, rejected: 1 });
  expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
}, 60_000);
