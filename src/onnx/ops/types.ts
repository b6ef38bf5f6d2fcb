/**
 * An ONNX op as ntk-cli runs it: TensorFlow.js ops on the node's inputs (so
 * that autodiff sees every step), one function per op type. Constant inputs
 * that set a shape or axes (Reshape's shape, Slice's starts) are read on the
 * host with `values`.
 */
import type * as TF from '@tensorflow/tfjs';
import type { AttributeValue, OnnxNode, OnnxTensor } from '../model';

export interface OpContext {
  tf: typeof TF;
  node: OnnxNode;
  /** The model's default-domain opset (some ops read axes from attributes before 13, from inputs after). */
  opset: number;
  /** For each input: whether it is a parameter with one copy per sample, [n, …its shape] (its per-sample gradient is asked). */
  perSample: boolean[];
}

export type OpRun = (inputs: (TF.Tensor | null)[], context: OpContext) => (TF.Tensor | null)[];

/** An op's input or attribute that ntk-cli cannot compute with: the message names what. */
export class OnnxOpError extends Error {}

/** The integer values of a (small, constant) tensor. */
export function values(t: TF.Tensor | null): number[] {
  return t ? Array.from(t.dataSync(), Number) : [];
}

export function attribute(node: OnnxNode, name: string, fallback: number): number;
export function attribute(node: OnnxNode, name: string, fallback: string): string;
export function attribute(node: OnnxNode, name: string, fallback: AttributeValue): AttributeValue {
  return node.attributes[name] ?? fallback;
}

export function intsAttribute(node: OnnxNode, name: string): number[] | undefined {
  return node.attributes[name] as number[] | undefined;
}

export function tensorAttribute(node: OnnxNode, name: string): OnnxTensor | undefined {
  return node.attributes[name] as OnnxTensor | undefined;
}

/** Axes counted from the end (negative) as from the start. */
export function positiveAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** A tfjs tensor of an ONNX constant. */
export function constantTensor(tf: typeof TF, t: OnnxTensor): TF.Tensor {
  return tf.tensor(t.data, t.dims, t.type === 'float32' ? 'float32' : t.type === 'bool' ? 'bool' : 'int32');
}

/**
 * A parameter with one copy per sample, [n, …shape], shaped to broadcast
 * against a batched operand of `rank` dimensions: [n, 1, …, …shape] (or, for
 * a shape whose first dimension is the batch's 1, [n, …shape[1:]]).
 */
export function perSampleBroadcast(tf: typeof TF, p: TF.Tensor, rank: number, what: string): TF.Tensor {
  const [n, ...dims] = p.shape;
  if (dims.length < rank) return tf.reshape(p, [n, ...new Array<number>(rank - 1 - dims.length).fill(1), ...dims]);
  if (dims.length === rank && dims[0] === 1) return tf.reshape(p, [n, ...dims.slice(1)]);
  throw new OnnxOpError(`${what}: a parameter of shape [${dims.join(', ')}] does not broadcast over the batch`);
}
