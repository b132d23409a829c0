import { request } from 'node:http';
import { dataOf, SseReader } from '../../bench/sse.js';
import { httpRequest, killLeftovers, startExample, until, type RunningExample } from '../support/example-process.js';

// examples/streaming-server.ts run as a user runs it: tokens streamed as server-sent events,
// and a client that hangs up mid-stream stops being computed (the model's sequence-steps,
// counted by the server, stop growing). Each step waits 10 ms more (MODEL_DELAY_MS), so that
// 1,000 tokens take at least 10 s whatever the machine: a hang-up after 3 is seen long before.
let server: RunningExample;

beforeAll(async () => {
  server = await startExample('example:streaming', { MODEL_DELAY_MS: '10' });
}, 60_000);
afterAll(async () => {
  await server.stop('SIGTERM');
  killLeftovers();
});

interface Stats {
  running: number;
  rowsComputed: number;
  joined: number;
}
const stats = async (): Promise<Stats> => (await httpRequest(`${server.url}/stats`)).json() as Stats;

/** POSTs /generate and reads its events; `hangUpAfter` tokens, it closes the connection instead. */
function generate(
  body: unknown,
  hangUpAfter = Infinity,
): Promise<{ status: number; tokens: string[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      `${server.url}/generate`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const events = new SseReader();
        const tokens: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const event of events.push(chunk)) {
            const data = dataOf(event);
            if (data !== undefined && res.statusCode === 200) tokens.push(data);
          }
          if (tokens.length >= hangUpAfter) {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, tokens, ended: false });
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, tokens, ended: !events.partial }));
      },
    );
    req.on('error', (error) => (hangUpAfter === Infinity ? reject(error) : undefined));
    req.end(payload);
  });
}

test('POST /generate streams the tokens of each request, as many as it asked for', async () => {
  const answers = await Promise.all([5, 12, 1].map((maxTokens, i) => generate({ prompt: `p${i}`, maxTokens })));
  expect(answers.map((answer) => [answer.status, answer.tokens.length])).toEqual([
    [200, 5],
    [200, 12],
    [200, 1],
  ]);
  // The same prompt gives the same tokens whatever else shares its steps (greedy decoding, seeded weights).
  const alone = await generate({ prompt: 'p1', maxTokens: 12 });
  expect(alone.tokens).toEqual(answers[1]!.tokens);
}, 30_000);

test('a bad request is a 400 before any event', async () => {
  const answer = await httpRequest(`${server.url}/generate`, 'POST', { prompt: 'x', maxTokens: 0 });
  expect(answer.status).toBe(400);
}, 30_000);

test('a client that hangs up mid-stream is no longer computed', async () => {
  const before = await stats();
  const answer = await generate({ prompt: 'long', maxTokens: 1_000 }, 3);
  expect(answer.tokens).toHaveLength(3);
  await until(async () => (await stats()).running === 0); // its generator was closed
  const after = await stats();
  // It was computed for the steps until the hang-up reached the model, far fewer than 1,000.
  expect(after.rowsComputed - before.rowsComputed).toBeLessThan(500);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect((await stats()).rowsComputed).toBe(after.rowsComputed);
}, 30_000);
