// A real step-wise model for streaming (contract §12): a small recurrent token generator built
// in code with onnx-proto (nothing is downloaded) and run by onnxruntime-node. One run is one
// step for a batch of sequences: token embedding, a GRU cell, logits over the vocabulary, and
// the greedy next token. The batch axis is dynamic, so the sequences of a batch can change from
// one step to the next (one ends, another joins). Seeded weights: every run is the same model.
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { createSession, encodeModel, seededFloats, tensor } from './model.js';

export interface StepShape {
  /** Tokens in the vocabulary. */
  vocabulary: number;
  /** The GRU's hidden width. */
  hidden: number;
}

/** About 6.6 M weights (26 MB of float32): a step at batch 1 streams them all from memory. */
export const DEFAULT_STEP_SHAPE: StepShape = { vocabulary: 256, hidden: 1024 };

function io(name: string, type: onnx.TensorProto.DataType, dims: (string | number)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** Serialises one GRU step: inputs `token` [batch] (int64) and `h` [batch, hidden]; outputs `next` [batch] and `h_next`. */
export function buildStepModel({ vocabulary: v, hidden: n }: StepShape): Uint8Array {
  const scale = Math.sqrt(1 / n);
  const init: onnx.ITensorProto[] = [tensor('embedding', [v, n], seededFloats(v * n, 1, 7))];
  const nodes: onnx.INodeProto[] = [
    {
      opType: 'Gather',
      input: ['embedding', 'token'],
      output: ['x'],
      attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
    },
  ];
  // A gate: x·W + h·U + b, each gate with weights of its own.
  const gate = (g: string, h: string, seed: number): string => {
    init.push(tensor(`W${g}`, [n, n], seededFloats(n * n, scale, seed)));
    init.push(tensor(`U${g}`, [n, n], seededFloats(n * n, scale, seed + 1)));
    init.push(tensor(`b${g}`, [n], seededFloats(n, 0.1, seed + 2)));
    nodes.push({ opType: 'Gemm', input: ['x', `W${g}`, `b${g}`], output: [`xw${g}`] });
    nodes.push({ opType: 'MatMul', input: [h, `U${g}`], output: [`hu${g}`] });
    nodes.push({ opType: 'Add', input: [`xw${g}`, `hu${g}`], output: [`pre${g}`] });
    return `pre${g}`;
  };
  nodes.push({ opType: 'Sigmoid', input: [gate('z', 'h', 11)], output: ['z'] });
  nodes.push({ opType: 'Sigmoid', input: [gate('r', 'h', 21)], output: ['r'] });
  nodes.push({ opType: 'Mul', input: ['r', 'h'], output: ['rh'] });
  nodes.push({ opType: 'Tanh', input: [gate('n', 'rh', 31)], output: ['cand'] });
  // h' = cand + z·(h − cand), the GRU's (1 − z)·cand + z·h.
  nodes.push({ opType: 'Sub', input: ['h', 'cand'], output: ['hd'] });
  nodes.push({ opType: 'Mul', input: ['z', 'hd'], output: ['zhd'] });
  nodes.push({ opType: 'Add', input: ['cand', 'zhd'], output: ['h_next'] });
  init.push(tensor('Wo', [n, v], seededFloats(n * v, scale, 41)));
  init.push(tensor('bo', [v], seededFloats(v, 0.1, 42)));
  nodes.push({ opType: 'Gemm', input: ['h_next', 'Wo', 'bo'], output: ['logits'] });
  nodes.push({
    opType: 'ArgMax',
    input: ['logits'],
    output: ['next'],
    attribute: [
      { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
      { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
    ],
  });
  return encodeModel({
    name: 'gru_step',
    node: nodes,
    initializer: init,
    input: [
      io('token', onnx.TensorProto.DataType.INT64, ['batch']),
      io('h', onnx.TensorProto.DataType.FLOAT, ['batch', n]),
    ],
    output: [
      io('next', onnx.TensorProto.DataType.INT64, ['batch']),
      io('h_next', onnx.TensorProto.DataType.FLOAT, ['batch', n]),
    ],
  });
}

/** The state of one sequence between steps: its last token and its hidden state. */
export interface Sequence {
  token: number;
  h: Float32Array;
}

/** The step model loaded into onnxruntime. */
export class StepModel {
  /** Sequence-steps computed so far (a step of a batch of 5 counts 5): what a caller who left saves. */
  rowsComputed = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly shape: StepShape,
  ) {}

  static async load(shape: StepShape = DEFAULT_STEP_SHAPE, threads = 1): Promise<StepModel> {
    return new StepModel(await createSession(buildStepModel(shape), threads), shape);
  }

  /** A new sequence from a prompt: its first token from the prompt's characters, a zero state. */
  start(prompt: string): Sequence {
    let token = 0;
    for (let i = 0; i < prompt.length; i++) token = (token * 31 + prompt.charCodeAt(i)) % this.shape.vocabulary;
    return { token, h: new Float32Array(this.shape.hidden) };
  }

  /** One step for each sequence (at least one), in place: each gets its next token and state. */
  async step(sequences: readonly Sequence[]): Promise<void> {
    const n = this.shape.hidden;
    const tokens = BigInt64Array.from(sequences, (s) => BigInt(s.token));
    const h = new Float32Array(sequences.length * n);
    sequences.forEach((s, i) => h.set(s.h, i * n));
    const out = await this.session.run({
      token: new ort.Tensor('int64', tokens, [sequences.length]),
      h: new ort.Tensor('float32', h, [sequences.length, n]),
    });
    const next = out.next!.data as BigInt64Array;
    const hNext = out.h_next!.data as Float32Array;
    sequences.forEach((s, i) => {
      s.token = Number(next[i]);
      s.h = hNext.slice(i * n, (i + 1) * n);
    });
    this.rowsComputed += sequences.length;
  }

  /** A token as text. */
  static text(token: number): string {
    return `${token.toString(36)} `;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
