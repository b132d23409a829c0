// A real model for the benchmarks and the demo: an MLP built in code with onnx-proto (nothing
// is downloaded) and run with onnxruntime-node on the CPU. Its batch dimension is dynamic.
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';

export interface MlpShape {
  inputSize: number;
  hiddenSize: number;
  hiddenLayers: number;
  outputSize: number;
}

/**
 * The default: 256 → 4 × 2048 → 16, about 13 M weights (52 MB of float32). At batch 1 every
 * request streams all weights from memory, so unbatched serving is bound by the model; a
 * batch reuses each weight for every row, which is where batching pays.
 */
export const DEFAULT_SHAPE: MlpShape = { inputSize: 256, hiddenSize: 2048, hiddenLayers: 4, outputSize: 16 };

/** Deterministic weights, so every run serves the same model. */
export function seededFloats(count: number, scale: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = ((state / 2 ** 32) * 2 - 1) * scale;
  }
  return values;
}

export function tensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

function valueInfo(name: string, width: number): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, { dimValue: width }] },
      },
    },
  };
}

/** Serialises a graph as an ONNX model (IR 7, opset 13), as every bench model is built. */
export function encodeModel(graph: onnx.IGraphProto): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'batched-fn bench',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Serialises an MLP (Gemm + Relu layers) with input `x` [batch, inputSize] and output `y`. */
export function buildMlp(shape: MlpShape = DEFAULT_SHAPE): Uint8Array {
  const widths = [shape.inputSize, ...Array<number>(shape.hiddenLayers).fill(shape.hiddenSize), shape.outputSize];
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  let current = 'x';
  for (let layer = 0; layer < widths.length - 1; layer++) {
    const [inWidth, outWidth] = [widths[layer]!, widths[layer + 1]!];
    const scale = Math.sqrt(2 / inWidth);
    initializers.push(tensor(`w${layer}`, [inWidth, outWidth], seededFloats(inWidth * outWidth, scale, layer + 1)));
    initializers.push(tensor(`b${layer}`, [outWidth], seededFloats(outWidth, 0.01, layer + 101)));
    const last = layer === widths.length - 2;
    const gemmOut = last ? 'y' : `h${layer}`;
    nodes.push({ opType: 'Gemm', input: [current, `w${layer}`, `b${layer}`], output: [gemmOut], name: `gemm${layer}` });
    if (!last) {
      nodes.push({ opType: 'Relu', input: [gemmOut], output: [`r${layer}`], name: `relu${layer}` });
      current = `r${layer}`;
    }
  }
  return encodeModel({
    name: 'mlp',
    node: nodes,
    initializer: initializers,
    input: [valueInfo('x', shape.inputSize)],
    output: [valueInfo('y', shape.outputSize)],
  });
}

/** An onnxruntime session for a serialised model, on `threads` threads of the CPU. */
export function createSession(model: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
}

/** The model loaded into onnxruntime, with a method that runs one batch of rows. */
export class Mlp {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly shape: MlpShape,
  ) {}

  static async load(shape: MlpShape = DEFAULT_SHAPE, threads = 1): Promise<Mlp> {
    return new Mlp(await createSession(buildMlp(shape), threads), shape);
  }

  /** Runs rows of `inputSize` floats through the model; one output row per input row. */
  async run(rows: readonly Float32Array[]): Promise<Float32Array[]> {
    const { inputSize, outputSize } = this.shape;
    const input = new Float32Array(rows.length * inputSize);
    rows.forEach((row, i) => input.set(row, i * inputSize));
    const { y } = await this.session.run({ x: new ort.Tensor('float32', input, [rows.length, inputSize]) });
    const output = y!.data as Float32Array;
    return rows.map((_, i) => output.slice(i * outputSize, (i + 1) * outputSize));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A random input row, as a client would send. */
export function randomRow(size: number): Float32Array {
  return seededFloats(size, 1, (Math.random() * 2 ** 31) | 0);
}

/** Items per second that `mlp` runs at batches of `size`, back to back for `seconds` (after 3 warm-up runs). */
export async function itemsPerSecond(mlp: Mlp, size: number, seconds: number): Promise<number> {
  const rows = Array.from({ length: size }, () => randomRow(mlp.shape.inputSize));
  for (let i = 0; i < 3; i++) await mlp.run(rows);
  const started = performance.now();
  let items = 0;
  while (performance.now() - started < seconds * 1_000) {
    await mlp.run(rows);
    items += size;
  }
  return (items * 1_000) / (performance.now() - started);
}
