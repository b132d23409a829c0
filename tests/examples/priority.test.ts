import { expectedScores, featureRows } from '../support/classifier-answers.js';
import { httpRequest, killLeftovers, startExample, until, type HttpAnswer } from '../support/example-process.js';

afterEach(killLeftovers);

// examples/priority.ts with a model slowed to 100 ms per batch of 8: 200 bulk requests need
// at least 25 batches (2.5 s) whatever the machine, while interactive requests sent after them
// must be answered within their 2 s deadline, ahead of the bulk still queued.
test('example:priority answers interactive requests within their deadline while a bulk flood waits', async () => {
  const server = await startExample('example:priority', { MODEL_DELAY_MS: '100' });
  const bulkRows = featureRows(200);
  const interactiveRows = featureRows(5).map((row) => row.map((x) => x + 0.5));
  const expected = expectedScores(interactiveRows);

  let bulkAnswered = 0;
  const bulk = bulkRows.map((features) =>
    post(server.url, features, { 'x-traffic': 'bulk' }).then((answer) => (bulkAnswered++, answer)),
  );
  await until(async () => (await stats(server.url)).queued >= 150); // the flood is queued
  const interactive = await Promise.all(interactiveRows.map((features) => post(server.url, features)));
  const bulkAnsweredThen = bulkAnswered;

  interactive.forEach((answer, i) => {
    expect(answer.status).toBe(200); // a 504 would mean the deadline passed
    const body = answer.json() as { scores: number[]; traffic: string };
    expect(body.traffic).toBe('interactive');
    expect(body.scores).toEqual(expected[i]!.map((score): unknown => expect.closeTo(score, 5)));
  });
  expect(bulkAnsweredThen).toBeLessThan(100); // most of the flood still waits behind them

  const bulkAnswers = await Promise.all(bulk);
  expect(bulkAnswers.map((answer) => answer.status)).toEqual(bulkRows.map(() => 200)); // bulk is slow, not lost
  expect(await stats(server.url)).toMatchObject({ queued: 0, resolved: 205, rejected: 0 });
  expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
}, 120_000);

function post(url: string, features: number[], headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return httpRequest(`${url}/predict`, 'POST', { features }, undefined, headers);
}

async function stats(url: string): Promise<{ queued: number }> {
  return (await httpRequest(`${url}/stats`)).json() as { queued: number };
}
