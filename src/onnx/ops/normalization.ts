/**
 * BatchNormalization (inference: the running statistics), LayerNormalization,
 * Softmax, LogSoftmax and the reductions. Scale and bias may be parameters
 * with one copy per sample ([n, …]), applied to each sample's row.
 */
import type * as TF from '@tensorflow/tfjs';
import { attribute, intsAttribute, OnnxOpError, positiveAxis, values, type OpRun } from './types';

type Tensor = TF.Tensor;

/** A per-channel (or per-feature) tensor shaped to broadcast: [1, C, 1, …] or, per sample, [n, C, 1, …]. */
function channelwise(tf: typeof TF, t: Tensor, rank: number, perSample: boolean): Tensor {
  const ones = new Array<number>(rank - 2).fill(1);
  return perSample ? tf.reshape(t, [t.shape[0]!, t.shape[1]!, ...ones]) : tf.reshape(t, [1, -1, ...ones]);
}

const batchNormalization: OpRun = (inputs, { tf, node, perSample }) => {
  const [x, scale, bias, mean, variance] = inputs as Tensor[];
  if (attribute(node, 'training_mode', 0) === 1) throw new OnnxOpError(`${node.name}: BatchNormalization in training mode is not supported (export the model in eval mode)`);
  const epsilon = attribute(node, 'epsilon', 1e-5);
  const rank = x!.rank;
  const normalized = tf.div(tf.sub(x!, channelwise(tf, mean!, rank, false)), tf.sqrt(tf.add(channelwise(tf, variance!, rank, false), epsilon)));
  return [tf.add(tf.mul(normalized, channelwise(tf, scale!, rank, perSample[1]!)), channelwise(tf, bias!, rank, perSample[2]!)), null, null];
};

/** A parameter of the normalized trailing shape, against x of `rank`: as it is, or per sample [n, 1, …, …shape]. */
function trailing(tf: typeof TF, t: Tensor, rank: number, perSample: boolean): Tensor {
  if (!perSample) return t;
  const [n, ...dims] = t.shape;
  return tf.reshape(t, [n!, ...new Array<number>(rank - 1 - dims.length).fill(1), ...dims]);
}

const layerNormalization: OpRun = (inputs, { tf, node, perSample }) => {
  const [x, scale, bias] = inputs as [Tensor, Tensor, Tensor | null];
  const axis = positiveAxis(attribute(node, 'axis', -1), x.rank);
  const epsilon = attribute(node, 'epsilon', 1e-5);
  const axes = Array.from({ length: x.rank - axis }, (_, i) => axis + i);
  const { mean, variance } = tf.moments(x, axes, true);
  let y = tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), trailing(tf, scale, x.rank, perSample[1]!));
  if (bias) y = tf.add(y, trailing(tf, bias, x.rank, perSample[2]!));
  return [y, null, null];
};

/** Softmax over `axis` (from opset 13), or over the axes from `axis` on, flattened (before). */
function softmax(log: boolean): OpRun {
  return (inputs, { tf, node, opset }) => {
    const x = inputs[0]!;
    const f = (t: Tensor) => (log ? tf.logSoftmax(t) : tf.softmax(t));
    if (opset >= 13) {
      const axis = positiveAxis(attribute(node, 'axis', -1), x.rank);
      if (axis === x.rank - 1) return [f(x)];
      const perm = Array.from({ length: x.rank }, (_, i) => i);
      [perm[axis], perm[x.rank - 1]] = [x.rank - 1, axis];
      return [tf.transpose(f(tf.transpose(x, perm)), perm)];
    }
    const axis = positiveAxis(attribute(node, 'axis', 1), x.rank);
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    return [tf.reshape(f(tf.reshape(x, [outer, -1])), x.shape)];
  };
}

function reduce(kind: 'mean' | 'sum' | 'max' | 'min'): OpRun {
  return (inputs, { tf, node }) => {
    const x = inputs[0]!;
    const keep = attribute(node, 'keepdims', 1) === 1;
    const given = intsAttribute(node, 'axes') ?? (inputs[1] ? values(inputs[1]) : undefined);
    if (given && given.length === 0 && attribute(node, 'noop_with_empty_axes', 0) === 1) return [x];
    const axes = (given && given.length ? given : Array.from({ length: x.rank }, (_, i) => i)).map((a) => positiveAxis(a, x.rank));
    const f = { mean: tf.mean, sum: tf.sum, max: tf.max, min: tf.min }[kind];
    return [f(x, axes, keep)];
  };
}

export const normalizationOps: Record<string, OpRun> = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
  ReduceMean: reduce('mean'),
  ReduceSum: reduce('sum'),
  ReduceMax: reduce('max'),
  ReduceMin: reduce('min'),
};
