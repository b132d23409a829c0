// A NestJS app whose provider method is batched. Nest needs emitDecoratorMetadata, which
// esbuild-based runners (tsx) do not emit, so this example is compiled with tsc first, and it
// runs against the built package (dist/), as an app that installed batched-fn would.
// Run it: npm run example:nestjs, then
//   curl -s localhost:3000/predict -H 'content-type: application/json' -d '{"features":[1,2,3,4]}'
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { portFromEnv } from '../env.js';
import { closeOnSignal } from '../shutdown.js';
import { AppModule } from './app.module.js';

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(portFromEnv(), '127.0.0.1');
  console.log(`listening on ${await app.getUrl()}`);
  // app.close() runs the providers' shutdown hooks: the batcher answers what is queued, then
  // Nest closes the server. (app.enableShutdownHooks() would do the same, then re-raise the signal.)
  closeOnSignal(() => app.close());
}

void main();
