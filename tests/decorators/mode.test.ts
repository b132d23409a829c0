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

// Issue 27, finding 7: what a bad option says in each mode, as the README tells it. A standard
// method decorator's context names the method only; the class is not defined yet.
test('a bad option at decoration time names Class.method in legacy mode, the method in standard mode', () => {
  const define = () => {
    class Model {
      @Batched({ maxBatchSize: 0 })
      async predict(batch: number[]): Promise<number[]> {
        return batch;
      }
    }
    return Model;
  };
  const where = process.env.DECORATORS === 'standard' ? 'predict' : 'Model.predict';
  expect(define).toThrow(
    new TypeError(`${where}: Expected \`maxBatchSize\` to be an integer >= 1, got \`0\` (number)`),
  );
});
