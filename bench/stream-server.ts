// bench:stream's server: examples/streaming-server.ts's app on a free port, its batching from
// the environment (BATCHING=unbatched, NO_JOIN=1); it tells its parent the port.
import { buildApp } from '../examples/streaming-server.js';
import { GENERATION_BATCHING, TextGenerator, UNBATCHED } from '../examples/text-generator.js';

async function main(): Promise<void> {
  const batching =
    process.env.BATCHING === 'unbatched' ? UNBATCHED : { ...GENERATION_BATCHING, join: process.env.NO_JOIN !== '1' };
  const app = buildApp(await TextGenerator.load(batching));
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ port: (app.server.address() as { port: number }).port });
  process.on('SIGTERM', () => process.exit(0));
}

void main();
