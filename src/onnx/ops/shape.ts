/**
 * Ops that move values or compute shapes: Reshape and its shape arithmetic
 * (Shape, Gather, Slice, Concat, Unsqueeze …), Transpose, Flatten, Pad,
 * Constant. Shapes and axes are read on the host; the values they move stay
 * TensorFlow.js ops, so gradients flow through them.
 */
import type * as TF from '@tensorflow/tfjs';
import { attribute, constantTensor, intsAttribute, OnnxOpError, positiveAxis, tensorAttribute, values, type OpContext, type OpRun } from './types';

type Tensor = TF.Tensor;

/** Axes from the attribute (before opset 13, or 18 for some) or the second input. */
function axesOf(inputs: (Tensor | null)[], node: OpContext['node']): number[] | undefined {
  return intsAttribute(node, 'axes') ?? (inputs[1] ? values(inputs[1]) : undefined);
}

const reshape: OpRun = (inputs, { tf, node }) => {
  const [x, shapeTensor] = inputs as [Tensor, Tensor];
  const allowZero = attribute(node, 'allowzero', 0) === 1;
  const shape = values(shapeTensor).map((d, i) => (d === 0 && !allowZero ? x.shape[i]! : d));
  return [tf.reshape(x, shape)];
};

const flatten: OpRun = (inputs, { tf, node }) => {
  const x = inputs[0]!;
  const axis = positiveAxis(attribute(node, 'axis', 1), x.rank);
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  return [tf.reshape(x, [outer, -1])];
};

const transpose: OpRun = (inputs, { tf, node }) => {
  const x = inputs[0]!;
  return [tf.transpose(x, intsAttribute(node, 'perm') ?? Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i))];
};

const squeeze: OpRun = (inputs, { tf, node }) => {
  const x = inputs[0]!;
  const axes = axesOf(inputs, node);
  return [tf.squeeze(x, axes?.map((a) => positiveAxis(a, x.rank)))];
};

const unsqueeze: OpRun = (inputs, { tf, node }) => {
  let x = inputs[0]!;
  const axes = axesOf(inputs, node) ?? [];
  const rank = x.rank + axes.length;
  for (const axis of axes.map((a) => positiveAxis(a, rank)).sort((a, b) => a - b)) x = tf.expandDims(x, axis);
  return [x];
};

const concat: OpRun = (inputs, { tf, node }) => {
  const parts = inputs.filter((t): t is Tensor => t !== null && t.size > 0);
  const axis = positiveAxis(attribute(node, 'axis', 0), inputs[0]!.rank);
  return [parts.length === 1 ? parts[0]! : tf.concat(parts, axis)];
};

const shape: OpRun = (inputs, { tf, node }) => {
  const dims = inputs[0]!.shape;
  const start = positiveAxis(attribute(node, 'start', 0), dims.length);
  const end = node.attributes.end === undefined ? dims.length : positiveAxis(attribute(node, 'end', 0), dims.length);
  return [tf.tensor1d(dims.slice(Math.max(0, start), Math.min(dims.length, end)), 'int32')];
};

/** Gather with constant indices, as slices (their gradient is a pad; a gather's needs a kernel the wasm backend lacks). */
const gather: OpRun = (inputs, { tf, node }) => {
  const [x, indexTensor] = inputs as [Tensor, Tensor];
  const axis = positiveAxis(attribute(node, 'axis', 0), x.rank);
  const size = x.shape[axis]!;
  const indices = values(indexTensor).map((i) => (i < 0 ? i + size : i));
  if (indices.some((i) => i < 0 || i >= size)) throw new OnnxOpError(`${node.name}: Gather index out of range (axis of ${size})`);
  const pick = (i: number) => {
    const begin = x.shape.map((_, d) => (d === axis ? i : 0));
    const extent = x.shape.map((s, d) => (d === axis ? 1 : s));
    return tf.slice(x, begin, extent);
  };
  const picked = indices.length === 1 ? pick(indices[0]!) : tf.concat(indices.map(pick), axis);
  // A scalar index drops the axis; indices of shape S put S in its place.
  const outShape = [...x.shape.slice(0, axis), ...indexTensor.shape, ...x.shape.slice(axis + 1)];
  return [tf.reshape(picked, outShape)];
};

const slice: OpRun = (inputs, { tf, node, opset }) => {
  const x = inputs[0]!;
  const read = (i: number, name: string) => (opset < 10 ? intsAttribute(node, name) : inputs[i] ? values(inputs[i]!) : undefined);
  const starts = read(1, 'starts') ?? [];
  const ends = read(2, 'ends') ?? [];
  const axes = (read(3, 'axes') ?? starts.map((_, i) => i)).map((a) => positiveAxis(a, x.rank));
  const steps = (opset < 10 ? undefined : inputs[4] ? values(inputs[4]) : undefined) ?? starts.map(() => 1);
  const begin = x.shape.map(() => 0);
  const end = [...x.shape] as number[];
  const stride = x.shape.map(() => 1);
  const reversed: number[] = [];
  axes.forEach((axis, i) => {
    const size = x.shape[axis]!;
    const step = steps[i]!;
    if (step === 0) throw new OnnxOpError(`${node.name}: Slice with step 0`);
    const shifted = (v: number) => (v < 0 ? v + size : v);
    if (step > 0) {
      const clampIndex = (v: number) => Math.min(size, Math.max(0, shifted(v)));
      begin[axis] = clampIndex(starts[i]!);
      end[axis] = clampIndex(ends[i]!);
    } else {
      // ONNX clamps a negative step's start to [0, size − 1] and its end to [−1, size − 1]; on the
      // reversed axis, index v is size − 1 − v and the step is positive.
      const start = Math.min(size - 1, Math.max(0, shifted(starts[i]!)));
      const stop = Math.min(size - 1, Math.max(-1, ends[i]! < 0 && ends[i]! >= -size ? ends[i]! + size : ends[i]!));
      reversed.push(axis);
      begin[axis] = size - 1 - start;
      end[axis] = Math.max(begin[axis]!, size - 1 - stop);
    }
    stride[axis] = Math.abs(step);
  });
  const source = reversed.length ? tf.reverse(x, reversed) : x;
  if (stride.every((s) => s === 1)) return [tf.slice(source, begin, end.map((e, d) => Math.max(0, e - begin[d]!)))];
  return [tf.stridedSlice(source, begin, end, stride)];
};

const constantOfShape: OpRun = (inputs, { tf, node }) => {
  const value = tensorAttribute(node, 'value');
  const dims = values(inputs[0]!);
  const fill = value ? value.data[0]! : 0;
  return [tf.fill(dims, fill, value && value.type !== 'float32' ? 'int32' : 'float32')];
};

const constant: OpRun = (_inputs, { tf, node }) => {
  const value = tensorAttribute(node, 'value');
  if (value) return [constantTensor(tf, value)];
  const a = node.attributes;
  if (typeof a.value_float === 'number') return [tf.scalar(a.value_float, 'float32')];
  if (Array.isArray(a.value_floats)) return [tf.tensor1d(a.value_floats as number[], 'float32')];
  if (typeof a.value_int === 'number') return [tf.scalar(a.value_int, 'int32')];
  if (Array.isArray(a.value_ints)) return [tf.tensor1d(a.value_ints as number[], 'int32')];
  throw new OnnxOpError(`${node.name}: a Constant without a value ntk-cli reads (value, value_float(s), value_int(s))`);
};

const expand: OpRun = (inputs, { tf }) => {
  const [x, shapeTensor] = inputs as [Tensor, Tensor];
  // Broadcast by adding zeros of the target shape (the wasm backend has no BroadcastTo).
  return [tf.add(x, tf.zeros(values(shapeTensor), x.dtype))];
};

const pad: OpRun = (inputs, { tf, node, opset }) => {
  const x = inputs[0]!;
  const mode = attribute(node, 'mode', 'constant');
  if (mode !== 'constant') throw new OnnxOpError(`${node.name}: Pad mode ${mode} is not supported (constant is)`);
  const pads = opset < 11 ? intsAttribute(node, 'pads') ?? [] : values(inputs[1]!);
  const value = opset < 11 ? attribute(node, 'value', 0) : inputs[2] ? values(inputs[2])[0]! : 0;
  if (pads.some((p) => p < 0)) throw new OnnxOpError(`${node.name}: negative pads (cropping) are not supported`);
  if (pads.every((p) => p === 0)) return [x];
  return [tf.pad(x, x.shape.map((_, d) => [pads[d]!, pads[d + x.rank]!] as [number, number]), value)];
};

const split: OpRun = (inputs, { tf, node, opset }) => {
  const x = inputs[0]!;
  const axis = positiveAxis(attribute(node, 'axis', 0), x.rank);
  const sizes = (opset < 13 ? intsAttribute(node, 'split') : inputs[1] ? values(inputs[1]) : undefined) ?? new Array<number>(node.outputs.length).fill(x.shape[axis]! / node.outputs.length);
  return tf.split(x, sizes, axis);
};

const tile: OpRun = (inputs, { tf }) => [tf.tile(inputs[0]!, values(inputs[1]!))];

export const shapeOps: Record<string, OpRun> = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Shape: shape,
  Gather: gather,
  Slice: slice,
  ConstantOfShape: constantOfShape,
  Constant: constant,
  Expand: expand,
  Pad: pad,
  Split: split,
  Tile: tile,
};
