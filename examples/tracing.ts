// Tracing with OpenTelemetry: "why was my request slow?" Each request is a span; each batch is
// a span of its own, linked to the spans of the requests it served, with the batch size and
// run time as attributes and each request's queue wait on its link. A request passes its span
// context as `meta`; the onBatch hook gets it back with the item's queue wait.
// Run it: npm run example:tracing, then
//   curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
// and watch the spans printed by the console exporter (use your OTLP exporter instead).
import { SpanStatusCode, type SpanContext, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { batcherOf, type BatcherControls } from 'batched-fn';
import Fastify from 'fastify';
import { abortOnHangUp } from './hang-up.js';
import { errorBody, statusFor } from './http-errors.js';
import { Classifier } from './model.js';
import { portFromEnv } from './env.js';
import { closeOnSignal } from './shutdown.js';

/** Attribute names, in the OpenTelemetry style. */
export const ATTRIBUTES = {
  batchSize: 'batched.batch.size',
  runMs: 'batched.batch.run_ms',
  queueWaitMs: 'batched.queue_wait_ms',
} as const;

/** Records every batch of `batcher` as a span linked to the spans of its callers. */
export function traceBatches(batcher: BatcherControls, tracer: Tracer, spanName: string): void {
  batcher.configure({
    onBatch: ({ size, runMs, startedAt, items, error }) => {
      const span = tracer.startSpan(spanName, {
        startTime: startedAt,
        attributes: { [ATTRIBUTES.batchSize]: size, [ATTRIBUTES.runMs]: runMs },
        links: items.flatMap(({ meta, queuedMs }) =>
          isSpanContext(meta) ? [{ context: meta, attributes: { [ATTRIBUTES.queueWaitMs]: queuedMs } }] : [],
        ),
      });
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
      span.end(startedAt + runMs);
    },
  });
}

/** Runs one request in a span of its own; `call` gets the span's context to pass as `meta`. */
export async function inRequestSpan<T>(
  tracer: Tracer,
  spanName: string,
  call: (meta: SpanContext) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(spanName);
  try {
    return await call(span.spanContext());
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
    throw error;
  } finally {
    span.end();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : JSON.stringify(error);
}

function isSpanContext(value: unknown): value is SpanContext {
  return typeof value === 'object' && value !== null && typeof (value as SpanContext).spanId === 'string';
}

async function main(): Promise<void> {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
  const tracer = provider.getTracer('classifier-server');
  const model = await Classifier.load();
  traceBatches(batcherOf(model, 'predict'), tracer, 'classifier.predict batch');
  const app = Fastify();
  app.post<{ Body: { features: number[] } }>('/predict', async (request, reply) => {
    try {
      const scores = await inRequestSpan(tracer, 'POST /predict', (meta) =>
        model.predict(request.body?.features, { meta, signal: abortOnHangUp(reply.raw) }),
      );
      return { scores };
    } catch (error) {
      return reply.code(statusFor(error)).send(errorBody(error));
    }
  });
  const url = await app.listen({ host: '127.0.0.1', port: portFromEnv() });
  console.log(`listening on ${url}`);
  closeOnSignal(async () => {
    await Promise.all([app.close(), batcherOf(model, 'predict').close()]);
    await model.release();
    await provider.shutdown();
  });
}

if (require.main === module) void main();
