/**
 * Element-wise ops, with NumPy broadcasting as ONNX specifies (tfjs
 * broadcasts the same way). A parameter with one copy per sample enters a
 * binary op shaped against the other operand (types.ts).
 */
import type * as TF from '@tensorflow/tfjs';
import { attribute, OnnxOpError, perSampleBroadcast, values, type OpContext, type OpRun } from './types';

type Tensor = TF.Tensor;

/** The two operands of a binary op, a per-sample parameter among them shaped to broadcast. */
function operands(inputs: (Tensor | null)[], context: OpContext): [Tensor, Tensor] {
  const [a, b] = inputs as [Tensor, Tensor];
  const { tf, perSample, node } = context;
  if (perSample[0]) return [perSampleBroadcast(tf, a, b.rank, node.name), b];
  if (perSample[1]) return [a, perSampleBroadcast(tf, b, a.rank, node.name)];
  return [a, b];
}

function binary(f: (tf: typeof TF, a: Tensor, b: Tensor) => Tensor): OpRun {
  return (inputs, context) => {
    const [a, b] = operands(inputs, context);
    return [f(context.tf, a, b)];
  };
}

function unary(f: (tf: typeof TF, x: Tensor, context: OpContext) => Tensor): OpRun {
  return (inputs, context) => [f(context.tf, inputs[0]!, context)];
}

const isInt = (t: Tensor) => t.dtype === 'int32';

/**
 * A value with no gradient (a comparison, an integer cast), as a fresh
 * constant: autodiff's tape then does not reach back through an op that has
 * no gradient function.
 */
function detached(tf: typeof TF, t: Tensor): Tensor {
  return tf.tensor(t.dataSync(), t.shape, t.dtype);
}

export const elementwiseOps: Record<string, OpRun> = {
  Add: binary((tf, a, b) => tf.add(a, b)),
  Sub: binary((tf, a, b) => tf.sub(a, b)),
  Mul: binary((tf, a, b) => tf.mul(a, b)),
  // Integer division truncates in ONNX; the shapes it divides are not negative, where that is floor division.
  Div: binary((tf, a, b) => (isInt(a) && isInt(b) ? tf.floorDiv(a, b) : tf.div(a, b))),
  Pow: binary((tf, a, b) => tf.pow(a, isInt(b) && !isInt(a) ? tf.cast(b, 'float32') : b)),
  Max: (inputs, { tf }) => [(inputs as Tensor[]).reduce((a, b) => tf.maximum(a, b))],
  Min: (inputs, { tf }) => [(inputs as Tensor[]).reduce((a, b) => tf.minimum(a, b))],
  Sqrt: unary((tf, x) => tf.sqrt(x)),
  Exp: unary((tf, x) => tf.exp(x)),
  Log: unary((tf, x) => tf.log(x)),
  Sin: unary((tf, x) => tf.sin(x)),
  Cos: unary((tf, x) => tf.cos(x)),
  Abs: unary((tf, x) => tf.abs(x)),
  Neg: unary((tf, x) => tf.neg(x)),
  Reciprocal: unary((tf, x) => tf.reciprocal(x)),
  Erf: unary((tf, x) => tf.erf(x)),
  Tanh: unary((tf, x) => tf.tanh(x)),
  Sigmoid: unary((tf, x) => tf.sigmoid(x)),
  Relu: unary((tf, x) => tf.relu(x)),
  Softplus: unary((tf, x) => tf.softplus(x)),
  LeakyRelu: unary((tf, x, { node }) => tf.leakyRelu(x, attribute(node, 'alpha', 0.01))),
  Elu: unary((tf, x, { node }) => {
    const alpha = attribute(node, 'alpha', 1);
    // relu(x) + α(e^{min(x, 0)} − 1): the same values as choosing by x > 0, written with ops that have gradients (a comparison has none).
    return tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(x, 0)), 1)));
  }),
  HardSigmoid: unary((tf, x, { node }) => tf.clipByValue(tf.add(tf.mul(attribute(node, 'alpha', 0.2), x), attribute(node, 'beta', 0.5)), 0, 1)),
  Clip: (inputs, { tf, node, opset }) => {
    const x = inputs[0]!;
    // Before opset 11 the bounds are attributes; after, optional inputs.
    const low = opset < 11 ? attribute(node, 'min', -Infinity) : inputs[1] ? values(inputs[1])[0] : -Infinity;
    const high = opset < 11 ? attribute(node, 'max', Infinity) : inputs[2] ? values(inputs[2])[0] : Infinity;
    return [tf.clipByValue(x, low, high)];
  },
  Identity: (inputs) => [inputs[0]],
  // Inference: dropout is the identity; its optional mask is all true.
  Dropout: (inputs, { tf }) => [inputs[0], tf.onesLike(inputs[0]!).cast('bool')],
  Greater: binary((tf, a, b) => detached(tf, tf.greater(a, b))),
  Less: binary((tf, a, b) => detached(tf, tf.less(a, b))),
  Equal: binary((tf, a, b) => detached(tf, tf.equal(a, b))),
  Not: unary((tf, x) => detached(tf, tf.logicalNot(x))),
  Where: (inputs, { tf }) => {
    const [condition, a, b] = inputs as Tensor[];
    // tf.where wants the three of one shape.
    const shape = tf.broadcastArgs(tf.broadcastArgs(tf.tensor1d(condition.shape, 'int32'), tf.tensor1d(a.shape, 'int32')), tf.tensor1d(b.shape, 'int32'));
    const target = values(shape);
    const widen = (t: Tensor) => (t.shape.join() === target.join() ? t : tf.add(t, tf.zeros(target, t.dtype)));
    return [tf.where(widen(tf.cast(condition, 'float32')).cast('bool'), widen(a), widen(b))];
  },
  Cast: (inputs, { tf, node }) => {
    const to = attribute(node, 'to', 1);
    const x = inputs[0]!;
    if (to === 1 || to === 10 || to === 11 || to === 16) return [tf.cast(x, 'float32')];
    if (to === 9) return [detached(tf, tf.cast(x, 'bool'))];
    if ([2, 3, 4, 5, 6, 7, 12, 13].includes(to)) return [detached(tf, x.dtype === 'float32' ? tf.cast(tf.sign(x).mul(tf.floor(tf.abs(x))), 'int32') : tf.cast(x, 'int32'))];
    throw new OnnxOpError(`${node.name}: Cast to element type ${to} is not supported`);
  },
};
