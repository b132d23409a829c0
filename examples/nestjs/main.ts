// A NestJS app whose provider method is batched. Nest needs emitDecoratorMetadata, which
// esbuild-based runners (tsx) do not emit, so this example is compiled with tsc first, and it
// runs against the built package (dist/), as an app that installed batched-fn would.
// Run it: npm run example:nestjs, then
//   curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { batcherOf, type BatchedOptions } from 'batched-fn';
import { numberFromEnv } from '../env.js';
import { portFromEnv } from '../env.js';
import { closeOnSignal } from '../shutdown.js';
import { AppModule } from './app.module.js';
import { ClassifierService } from './classifier.service.js';

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  const overrides = batchingFromEnv();
  if (Object.keys(overrides).length > 0) batcherOf(app.get(ClassifierService), 'predict').configure(overrides);
  await app.listen(portFromEnv(), '127.0.0.1');
  console.log(`listening on ${await app.getUrl()}`);
  // app.close() runs the providers' shutdown hooks: the batcher answers what is queued, then
  // Nest closes the server. (app.enableShutdownHooks() would do the same, then re-raise the signal.)
  closeOnSignal(() => app.close());
}

/**
 * Optional overrides, to watch the error mapping: a long window (BATCH_DELAY_MS), a small
 * queue (MAX_QUEUE_SIZE: past it, 503) and a short deadline (CALL_TIMEOUT_MS: 504).
 */
function batchingFromEnv(): BatchedOptions {
  const positive = (ms: number) => Number.isFinite(ms) && ms > 0;
  const env = process.env;
  return {
    ...(env['BATCH_DELAY_MS'] && { delay: numberFromEnv('BATCH_DELAY_MS', 0, 'a number > 0', positive) }),
    ...(env['MAX_QUEUE_SIZE'] && {
      maxQueueSize: numberFromEnv('MAX_QUEUE_SIZE', 0, 'an integer >= 1', (n) => Number.isInteger(n) && n >= 1),
    }),
    ...(env['CALL_TIMEOUT_MS'] && { timeout: numberFromEnv('CALL_TIMEOUT_MS', 0, 'a number > 0', positive) }),
  };
}

void main();
