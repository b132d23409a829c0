import { featureRows } from '../support/classifier-answers.js';
import { httpRequest, killLeftovers, startExample } from '../support/example-process.js';

afterEach(killLeftovers);

/** The value of one sample line of the Prometheus text format, e.g. `name{label="x"} 3`. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

// examples/prometheus-metrics.ts: after real traffic, /metrics reports it under base-unit names.
test('example:metrics exposes batch sizes, queue waits and request outcomes on /metrics', async () => {
  const server = await startExample('example:metrics');
  const rows = featureRows(6);
  const answers = await Promise.all(rows.map((features) => httpRequest(`${server.url}/predict`, 'POST', { features })));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
  expect((await httpRequest(`${server.url}/predict`, 'POST', { features: 'nope' })).status).toBe(400);

  const scrape = await httpRequest(`${server.url}/metrics`);
  expect(scrape.status).toBe(200);
  expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const metrics = scrape.body;
  const { batches } = (await httpRequest(`${server.url}/stats`)).json() as { batches: number };

  expect(sample(metrics, 'batched_requests_total{outcome="resolved"}')).toBe(6);
  expect(sample(metrics, 'batched_requests_total{outcome="rejected"}')).toBe(1);
  expect(sample(metrics, 'batched_batch_size_sum')).toBe(6);
  expect(sample(metrics, 'batched_batch_size_count')).toBe(batches);
  expect(sample(metrics, 'batched_queue_wait_seconds_count')).toBe(batches);
  expect(sample(metrics, 'batched_batch_duration_seconds_count')).toBe(batches);
  expect(sample(metrics, 'batched_rejections_total{reason="badInput"}')).toBe(1);
  expect(sample(metrics, 'batched_rejections_total{reason="shed"}')).toBe(0);
  const byTrigger = ['full', 'window', 'turn', 'flush', 'close'].map(
    (trigger) => sample(metrics, `batched_batches_total{trigger="${trigger}"}`) ?? 0,
  );
  expect(byTrigger.reduce((sum, n) => sum + n, 0)).toBe(batches);
  expect(sample(metrics, 'batched_queued_items')).toBe(0);
  expect(sample(metrics, 'batched_running_batches')).toBe(0);
  expect(metrics).toContain('# TYPE batched_queue_wait_seconds histogram');
  expect(metrics).toContain('# TYPE batched_requests_total counter');

  expect(await server.stop()).toEqual({ code: 0, signal: null });
}, 60_000);
