import { batched, END, type StreamContext } from '../src/index.js';
import { reader } from './support/stepper.js';
beforeEach(() => jest.useFakeTimers());
test('x', async () => {
  const log: string[] = [];
  const generate = batched(
    async function* (items: { id: number; length: number }[], { signals }: StreamContext) {
      const produced: number[] = [];
      log.push('start ' + items.map((i) => i.id).join());
      try {
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 3));
          const step = items.map((item, i) => {
            produced[i] ??= 0;
            if (signals[i]!.aborted || produced[i] >= item.length) return END;
            return `${item.id}#${produced[i]++}`;
          });
          log.push('yield ' + JSON.stringify(step.map(String)) + ' signals ' + signals.map((s) => s.aborted).join());
          yield step;
        }
      } finally {
        log.push('finally');
      }
    },
    { delay: 0, maxBatchSize: 1, concurrency: 1, join: true },
  );
  const c = new AbortController();
  const a = reader(generate({ id: 0, length: 0 }, { signal: c.signal }));
  const b = reader(generate({ id: 1, length: 1 }));
  c.abort(new Error('left'));
  const d = reader(generate({ id: 2, length: 0 }));
  await jest.advanceTimersByTimeAsync(1000);
  console.log(log, a, b, d);
});
