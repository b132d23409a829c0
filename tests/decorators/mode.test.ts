import { Batched } from '../../src/index.js';

// Proves which decorator system each jest project runs, so the two projects really test two modes.
test('this project compiles decorators in the mode its name says', () => {
  const seen: unknown[][] = [];
  const spy = (...args: unknown[]) => void seen.push(args);
  class Probe {
    @spy
    m() {}
  }
  void Probe;
  const standard = typeof seen[0]?.[1] === 'object';
  expect(standard ? 'standard' : 'legacy').toBe(process.env.DECORATORS);
});

test('one Batched export serves this mode', async () => {
  class Doubler {
    @Batched({ delay: 0 })
    async run(batch: number[]): Promise<number[]> {
      return batch.map((x) => x * 2);
    }
  }
  const run = new Doubler().run as unknown as (x: number) => Promise<number>;
  await expect(run.call(new Doubler(), 21)).resolves.toBe(42);
});
