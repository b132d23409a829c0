import { Batched, batched } from '../../src/index.js';

/** What `fn` threw (it must throw). */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/**
 * The TypeError that bad `options` are, in each form, with where it happened in front: the
 * legacy decorator names `Model.predict`, a standard one `predict` (the class is not known
 * while its methods are decorated), the function form the function.
 */
export function expectOptionError(options: unknown, message: string): void {
  class Model {
    predict(xs: number[]): number[] {
      return xs;
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Model.prototype, 'predict')!;
  const context = { kind: 'method', name: 'predict', addInitializer: () => undefined };
  const decorator = Batched(options as never); // a bad option is thrown where it is applied
  const thrown = [
    thrownBy(() => decorator(Model.prototype, 'predict', descriptor)),
    thrownBy(() => decorator(Model.prototype.predict as never, context as never)),
    thrownBy(() =>
      batched(async function embed(xs: number[]) {
        return xs;
      }, options as never),
    ),
  ];
  for (const error of thrown) expect(error).toBeInstanceOf(TypeError);
  expect(thrown.map((error) => error.message)).toEqual([
    `Model.predict: ${message}`,
    `predict: ${message}`,
    `embed: ${message}`,
  ]);
}
