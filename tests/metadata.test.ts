import 'reflect-metadata';
import { Batched, getBatchedOptions, OPTIONS_METADATA_KEY } from '../src/index.js';

// contract §6: with emitDecoratorMetadata and reflect-metadata loaded, impossible signatures
// are refused at decoration time. (Legacy project only: standard decorators emit no metadata.)

class Tensor {}
type Alias = number[];
interface Shape {
  dims: number[];
}

describe('refused', () => {
  test('a first parameter that cannot be an array', () => {
    expect(() => {
      class Model {
        @Batched()
        async predict(text: string): Promise<string[]> {
          return [text];
        }
      }
      return Model;
    }).toThrow(
      new TypeError(
        '@Batched() on Model.predict: the first parameter must be the batch (an array), but it is declared as String',
      ),
    );
  });

  test('a first parameter of a class that is not Array', () => {
    expect(() => {
      class Model {
        @Batched()
        async predict(input: Tensor): Promise<Tensor[]> {
          return [input];
        }
      }
      return Model;
    }).toThrow(
      new TypeError(
        '@Batched() on Model.predict: the first parameter must be the batch (an array), but it is declared as Tensor',
      ),
    );
  });

  test('no parameter at all', () => {
    expect(() => {
      class Model {
        @Batched()
        async predict(): Promise<number[]> {
          return [];
        }
      }
      return Model;
    }).toThrow(
      new TypeError(
        '@Batched() on Model.predict: the method must take the batch (an array) as its first parameter, but it declares no parameters',
      ),
    );
  });

  test('a return type that is neither an array nor a promise', () => {
    expect(() => {
      class Model {
        @Batched()
        predict(batch: number[]): number {
          return batch.length;
        }
      }
      return Model;
    }).toThrow(
      new TypeError(
        '@Batched() on Model.predict: the method must return an array or a promise of one, but its return type is declared as Number',
      ),
    );
  });
});

describe('accepted', () => {
  test('arrays, promises, Object and missing entries (interfaces, unions, aliases)', () => {
    expect(() => {
      class Model {
        @Batched() async a(batch: number[]): Promise<number[]> {
          return batch;
        }
        @Batched() b(batch: Alias): number[] {
          return batch;
        }
        @Batched() async c(batch: Shape[] | Tensor[]): Promise<Shape[]> {
          return batch as Shape[];
        }
        // `any` is what the row is about: it emits `Object`, which passes.
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        @Batched() async d(batch: any): Promise<any> {
          return batch;
        }
        @Batched() e(batch: readonly number[]) {
          return [...batch];
        }
      }
      return Model;
    }).not.toThrow();
  });
});

test('the options are kept as class metadata too', () => {
  class Model {
    @Batched({ delay: 7 })
    async predict(batch: number[]): Promise<number[]> {
      return batch;
    }
  }
  expect(Reflect.getMetadata(OPTIONS_METADATA_KEY, Model.prototype, 'predict')).toEqual({ delay: 7 });
  expect(getBatchedOptions(Model.prototype, 'predict')).toEqual({ delay: 7 });
});
