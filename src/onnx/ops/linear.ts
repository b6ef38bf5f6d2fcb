/**
 * Gemm, MatMul and Conv: the ops whose parameters usually are a network's
 * weights. Their per-sample gradients are factored (onnx/plan.ts); here is
 * the forward pass, whose output may carry an added probe (run.ts).
 */
import type * as TF from '@tensorflow/tfjs';
import { attribute, intsAttribute, OnnxOpError, type OpRun } from './types';

type Tensor = TF.Tensor;

const gemm: OpRun = (inputs, { tf, node, perSample }) => {
  const [a, b, c] = inputs;
  const alpha = attribute(node, 'alpha', 1);
  const beta = attribute(node, 'beta', 1);
  let y: Tensor = tf.matMul(a as TF.Tensor2D, b as TF.Tensor2D, attribute(node, 'transA', 0) === 1, attribute(node, 'transB', 0) === 1);
  if (alpha !== 1) y = tf.mul(y, alpha);
  if (c) {
    // A per-sample bias is [n, …C's shape]: [n, out] or [n, 1, out] lines up with y's rows.
    const bias = perSample[2] ? tf.reshape(c, [c.shape[0]!, -1]) : c;
    y = tf.add(y, beta === 1 ? bias : tf.mul(bias, beta));
  }
  return [y];
};

const matMul: OpRun = (inputs, { tf, node }) => {
  const [a, b] = inputs as [Tensor, Tensor];
  if (a.rank >= 2 && b.rank === 2) {
    // Rows of any leading shape times one matrix.
    const rows = tf.reshape(a, [-1, a.shape[a.rank - 1]!]) as TF.Tensor2D;
    return [tf.reshape(tf.matMul(rows, b as TF.Tensor2D), [...a.shape.slice(0, -1), b.shape[1]!])];
  }
  if (a.rank === b.rank && a.rank > 2 && a.shape.slice(0, -2).join() === b.shape.slice(0, -2).join()) return [tf.matMul(a as TF.Tensor3D, b as TF.Tensor3D)];
  if (a.rank === 2 && b.rank > 2) {
    // One matrix times a stack: broadcast the matrix over the stack.
    const stacked = tf.add(tf.zeros([...b.shape.slice(0, -2), ...a.shape]), a);
    return [tf.matMul(stacked as TF.Tensor3D, b as TF.Tensor3D)];
  }
  throw new OnnxOpError(`${node.name}: MatMul of shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] is not supported`);
};

/** ONNX pads [x1_begin, x2_begin, …, x1_end, x2_end, …] as tfjs's explicit NHWC padding. */
function explicitPadding(pads: number[], spatial: number): [number, number][] {
  const pairs: [number, number][] = [[0, 0]];
  for (let d = 0; d < spatial; d++) pairs.push([pads[d] ?? 0, pads[d + spatial] ?? 0]);
  pairs.push([0, 0]);
  return pairs;
}

/** auto_pad NOTSET (explicit pads) or VALID; SAME_UPPER and SAME_LOWER as the pads they mean. */
export function padsOf(node: Parameters<OpRun>[1]['node'], spatial: number, inputSize: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const mode = attribute(node, 'auto_pad', 'NOTSET');
  if (mode === 'NOTSET') return intsAttribute(node, 'pads') ?? new Array<number>(2 * spatial).fill(0);
  if (mode === 'VALID') return new Array<number>(2 * spatial).fill(0);
  const pads = new Array<number>(2 * spatial).fill(0);
  for (let d = 0; d < spatial; d++) {
    const out = Math.ceil(inputSize[d]! / strides[d]!);
    const total = Math.max(0, (out - 1) * strides[d]! + (kernel[d]! - 1) * dilations[d]! + 1 - inputSize[d]!);
    const small = Math.floor(total / 2);
    [pads[d], pads[d + spatial]] = mode === 'SAME_LOWER' ? [total - small, small] : [small, total - small];
  }
  return pads;
}

const conv: OpRun = (inputs, { tf, node, perSample }) => {
  const [x0, w0, b] = inputs as [Tensor, Tensor, Tensor | null];
  if (x0.rank !== 3 && x0.rank !== 4) throw new OnnxOpError(`${node.name}: Conv of ${x0.rank - 2}-D images is not supported (1-D and 2-D are)`);
  // A 1-D convolution is a 2-D one on images one pixel high.
  const x = x0.rank === 3 ? tf.expandDims(x0, 2) : x0;
  const w = w0.rank === 3 ? tf.expandDims(w0, 2) : w0;
  const one = x0.rank === 3;
  const kernel = w.shape.slice(2);
  const strides = intsAttribute(node, 'strides') ?? [1, 1];
  const dilations = intsAttribute(node, 'dilations') ?? [1, 1];
  const group = attribute(node, 'group', 1);
  const spatialIn = x.shape.slice(2);
  const pads = one ? padsOf(node, 1, spatialIn.slice(1), kernel.slice(1), strides, dilations) : padsOf(node, 2, spatialIn, kernel, strides, dilations);
  const padding = explicitPadding(one ? [0, pads[0]!, 0, pads[1]!] : pads, 2);
  const stride: [number, number] = one ? [1, strides[0]!] : [strides[0]!, strides[1]!];
  const dilation: [number, number] = one ? [1, dilations[0]!] : [dilations[0]!, dilations[1]!];
  const nhwc = tf.transpose(x, [0, 2, 3, 1]) as TF.Tensor4D;
  let y: TF.Tensor4D;
  const channels = x.shape[1]!;
  if (group === 1) {
    y = tf.conv2d(nhwc, tf.transpose(w, [2, 3, 1, 0]) as TF.Tensor4D, stride, padding as never, 'NHWC', dilation);
  } else if (group === channels && w.shape[1] === 1) {
    // Depthwise: output channel m reads input channel m / multiplier.
    const multiplier = w.shape[0]! / channels;
    const filter = tf.reshape(tf.transpose(w, [2, 3, 1, 0]), [kernel[0]!, kernel[1]!, channels, multiplier]) as TF.Tensor4D;
    y = tf.depthwiseConv2d(nhwc, filter, stride, padding as never, 'NHWC', dilation);
  } else {
    throw new OnnxOpError(`${node.name}: Conv with ${group} groups is not supported (1, or one per channel)`);
  }
  let out: Tensor = tf.transpose(y, [0, 3, 1, 2]);
  if (b) out = tf.add(out, perSample[2] ? tf.reshape(b, [b.shape[0]!, b.shape[1]!, 1, 1]) : tf.reshape(b, [1, -1, 1, 1]));
  return [one ? tf.squeeze(out, [2]) : out];
};

export const linearOps: Record<string, OpRun> = { Gemm: gemm, MatMul: matMul, Conv: conv };
