import { OverloadedError } from 'batched-fn';
import { headersFor, statusFor } from '../../examples/http-errors.js';
import { featureRows } from '../support/classifier-answers.js';
import { httpRequest, killLeftovers, startExample } from '../support/example-process.js';

afterEach(killLeftovers);

// The scale-out pattern of examples/fastify-server.ts: a shed call is a 503 with Retry-After,
// and GET /ready is 503 while the predicted wait is above the threshold.

test('a shed call maps to 503 with Retry-After in whole seconds (at least 1)', () => {
  expect(statusFor(new OverloadedError('shed', 250))).toBe(503);
  expect(headersFor(new OverloadedError('shed', 250))).toEqual({ 'retry-after': '1' });
  expect(headersFor(new OverloadedError('shed', 2_500))).toEqual({ 'retry-after': '3' });
  expect(headersFor(new Error('other'))).toEqual({});
});

// Run as a process, as a user runs it (onnxruntime cannot run inside jest's sandbox).
test.each([
  ['0', 503, false], // any predicted wait is too long
  ['60000', 200, true],
])(
  'GET /ready with READY_MAX_WAIT_MS=%s: ready until the batcher can predict, then %s',
  async (threshold, status, ready) => {
    const server = await startExample('example:fastify', { READY_MAX_WAIT_MS: threshold });
    const before = await httpRequest(`${server.url}/ready`);
    expect([before.status, before.json()]).toEqual([
      200,
      { ready: true, predictedWaitMs: 0, readyMaxWaitMs: Number(threshold) },
    ]);
    for (const features of featureRows(3)) {
      expect((await httpRequest(`${server.url}/predict`, 'POST', { features })).status).toBe(200);
    }
    const after = await httpRequest(`${server.url}/ready`);
    expect(after.status).toBe(status);
    const body = after.json() as { ready: boolean; predictedWaitMs: number };
    expect(body.ready).toBe(ready);
    expect(body.predictedWaitMs).toBeGreaterThan(0);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  },
  60_000,
);
