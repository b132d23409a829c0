import { OverloadedError } from 'batched-fn';
import { agentReply, MIN_WEIGHT_PERCENT } from '../../examples/haproxy/agent.js';
import { Rotation } from '../../examples/fastify-server.js';
import { headersFor, statusFor } from '../../examples/http-errors.js';
import { featureRows } from '../support/classifier-answers.js';
import { httpRequest, killLeftovers, startExample } from '../support/example-process.js';

afterEach(killLeftovers);

// What examples/fastify-server.ts tells a load balancer: a shed call is a 503 with Retry-After;
// GET /ready means started and not shutting down, whatever the load; a request whose deadline
// was spent before it arrived (X-Request-Start) is a 503 at once. The HAProxy agent's answers
// are tested here; tests/haproxy/ runs them behind a real HAProxy.

test('a shed call maps to 503 with Retry-After in whole seconds (at least 1)', () => {
  expect(statusFor(new OverloadedError('shed', 250))).toBe(503);
  expect(headersFor(new OverloadedError('shed', 250))).toEqual({ 'retry-after': '1' });
  expect(headersFor(new OverloadedError('shed', 2_500))).toEqual({ 'retry-after': '3' });
  expect(headersFor(new OverloadedError('shed', Infinity))).toEqual({}); // no retry can succeed
  expect(headersFor(new Error('other'))).toEqual({});
});

test('the agent asks for a weight from the forecast, never below the floor, and drains once leaving', () => {
  const rotation = new Rotation();
  expect(agentReply(rotation, undefined, 300)).toBe('ready 100%\n'); // nothing learnt yet
  expect(agentReply(rotation, 0, 300)).toBe('ready 100%\n');
  expect(agentReply(rotation, 150, 300)).toBe('ready 50%\n');
  expect(agentReply(rotation, 290, 300)).toBe(`ready ${MIN_WEIGHT_PERCENT}%\n`);
  expect(agentReply(rotation, 5_000, 300)).toBe(`ready ${MIN_WEIGHT_PERCENT}%\n`); // overloaded: still in rotation
  rotation.leaving = true;
  expect(agentReply(rotation, 0, 300)).toBe('drain\n');
});

// Run as a process, as a user runs it (onnxruntime cannot run inside jest's sandbox).
test('GET /ready is 200 before and after the batcher can predict; a request with no time left is a 503 at once', async () => {
  const server = await startExample('example:fastify', { DEADLINE_MS: '2000' });
  expect(await httpRequest(`${server.url}/ready`)).toMatchObject({ status: 200, body: '{"ready":true}' });
  for (const features of featureRows(3)) {
    expect((await httpRequest(`${server.url}/predict`, 'POST', { features })).status).toBe(200);
  }
  expect(await httpRequest(`${server.url}/ready`)).toMatchObject({ status: 200, body: '{"ready":true}' });

  const [features] = featureRows(1);
  const fresh = await httpRequest(`${server.url}/predict`, 'POST', { features }, undefined, {
    'x-request-start': `t=${Date.now()}`,
  });
  expect(fresh.status).toBe(200);
  const spent = await httpRequest(`${server.url}/predict`, 'POST', { features }, undefined, {
    'x-request-start': `t=${Date.now() - 2_000}`,
  });
  expect([spent.status, spent.json()]).toEqual([503, { error: 'no time left of the 2000 ms deadline' }]);
  const stats = (await httpRequest(`${server.url}/stats`)).json() as { items: number };
  expect(stats.items).toBe(4); // the spent request never reached the model
  expect(await server.stop()).toEqual({ code: 0, signal: null });
}, 60_000);
