import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { batched } from 'batched-fn';
import { ATTRIBUTES, inRequestSpan, traceBatches } from '../../examples/tracing.js';
import { expectedScores, expectOwnScores, featureRows, predictEach } from '../support/classifier-answers.js';
import { killLeftovers, startExample } from '../support/example-process.js';

afterEach(killLeftovers);

// The glue of examples/tracing.ts, in process, with the SDK's in-memory exporter: each batch
// is a span linked to the spans of the requests it served.
test('each batch is a span linked to its requests, with size, run time and each queue wait', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  const double = batched(async (xs: number[]) => xs.map((x) => x * 2), { delay: 0, maxBatchSize: 3 });
  traceBatches(double, tracer, 'double batch');

  const results = await Promise.all(
    [1, 2, 3, 4].map((x) => inRequestSpan(tracer, `request ${x}`, (meta) => double(x, { meta }))),
  );
  expect(results).toEqual([2, 4, 6, 8]);

  const spans = exporter.getFinishedSpans();
  const requests = new Map(spans.filter((s) => s.name.startsWith('request')).map((s) => [s.name, s]));
  const batches = spans.filter((s) => s.name === 'double batch');
  expect(batches.map((b) => b.attributes[ATTRIBUTES.batchSize])).toEqual([3, 1]);
  const linked = batches.map((b) => b.links.map((link) => link.context.spanId));
  expect(linked).toEqual([
    ['request 1', 'request 2', 'request 3'].map((name) => requests.get(name)!.spanContext().spanId),
    [requests.get('request 4')!.spanContext().spanId],
  ]);
  for (const batch of batches) {
    expect(batch.attributes[ATTRIBUTES.runMs]).toEqual(expect.any(Number));
    for (const link of batch.links) expect(link.attributes?.[ATTRIBUTES.queueWaitMs]).toBeGreaterThanOrEqual(0);
  }
  await provider.shutdown();
});

// The example itself, by its npm script, with the console exporter.
test('example:tracing answers requests and prints request and batch spans', async () => {
  const server = await startExample('example:tracing');
  const rows = featureRows(4);
  expectOwnScores(await predictEach(server.url, rows), expectedScores(rows));
  expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  const output = server.output();
  expect(output).toContain("name: 'POST /predict'");
  expect(output).toContain("name: 'classifier.predict batch'");
  expect(output).toContain("'batched.batch.size'");
  expect(output).toContain("'batched.queue_wait_ms'");
}, 60_000);
