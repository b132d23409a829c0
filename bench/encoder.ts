// A text-encoder-like model for the variable-length benchmark, built in code with onnx-proto
// and run by onnxruntime-node: input `x` [batch, length, width] (one vector per token) and a
// `mask` [batch, length, 1] (1 for a real token, 0 for padding); two per-token layers, then the
// mean over each item's real tokens. Its cost grows with batch × padded length, as a
// transformer's does: a batch pads every item to its longest.
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { encodeModel, seededFloats, tensor } from './model.js';

export const TOKEN_WIDTH = 32;
const HIDDEN = 384;

function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values };
}

function input(name: string, lastDim: number | string): onnx.IValueInfoProto {
  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [dim('batch'), dim('length'), dim(lastDim)] },
      },
    },
  };
}

export function buildEncoder(): Uint8Array {
  const initializer = [
    tensor('w1', [TOKEN_WIDTH, HIDDEN], seededFloats(TOKEN_WIDTH * HIDDEN, Math.sqrt(2 / TOKEN_WIDTH), 1)),
    tensor('w2', [HIDDEN, HIDDEN], seededFloats(HIDDEN * HIDDEN, Math.sqrt(2 / HIDDEN), 2)),
    tensor('w3', [HIDDEN, TOKEN_WIDTH], seededFloats(HIDDEN * TOKEN_WIDTH, Math.sqrt(1 / HIDDEN), 3)),
    int64Tensor('axis1', [1]),
  ];
  const node: onnx.INodeProto[] = [
    { opType: 'MatMul', input: ['x', 'w1'], output: ['h1'] },
    { opType: 'Relu', input: ['h1'], output: ['r1'] },
    { opType: 'MatMul', input: ['r1', 'w2'], output: ['h2'] },
    { opType: 'Relu', input: ['h2'], output: ['r2'] },
    { opType: 'MatMul', input: ['r2', 'w3'], output: ['h3'] },
    // Masked mean over the length axis: sum(h3 · mask) / sum(mask).
    { opType: 'Mul', input: ['h3', 'mask'], output: ['masked'] },
    {
      opType: 'ReduceSum',
      input: ['masked', 'axis1'],
      output: ['summed'],
      attribute: [{ name: 'keepdims', i: 0, type: onnx.AttributeProto.AttributeType.INT }],
    },
    {
      opType: 'ReduceSum',
      input: ['mask', 'axis1'],
      output: ['count'],
      attribute: [{ name: 'keepdims', i: 0, type: onnx.AttributeProto.AttributeType.INT }],
    },
    { opType: 'Div', input: ['summed', 'count'], output: ['y'] },
  ];
  const output: onnx.IValueInfoProto = {
    name: 'y',
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, { dimValue: TOKEN_WIDTH }] },
      },
    },
  };
  return encodeModel({
    name: 'encoder',
    node,
    initializer,
    input: [input('x', TOKEN_WIDTH), input('mask', 1)],
    output: [output],
  });
}

/** A text of `length` tokens, as the encoder sees it: one vector per token. */
export function tokens(length: number, seed: number): Float32Array {
  return seededFloats(length * TOKEN_WIDTH, 1, seed);
}

export class Encoder {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(threads = 1): Promise<Encoder> {
    const session = await ort.InferenceSession.create(buildEncoder(), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new Encoder(session);
  }

  /** Encodes texts (token vectors); pads them to the longest of the batch. One vector per text. */
  async encode(texts: readonly Float32Array[]): Promise<Float32Array[]> {
    const lengths = texts.map((text) => text.length / TOKEN_WIDTH);
    const padded = Math.max(...lengths);
    const x = new Float32Array(texts.length * padded * TOKEN_WIDTH);
    const mask = new Float32Array(texts.length * padded);
    texts.forEach((text, i) => {
      x.set(text, i * padded * TOKEN_WIDTH);
      mask.fill(1, i * padded, i * padded + lengths[i]!);
    });
    const { y } = await this.session.run({
      x: new ort.Tensor('float32', x, [texts.length, padded, TOKEN_WIDTH]),
      mask: new ort.Tensor('float32', mask, [texts.length, padded, 1]),
    });
    const out = y!.data as Float32Array;
    return texts.map((_, i) => out.slice(i * TOKEN_WIDTH, (i + 1) * TOKEN_WIDTH));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
