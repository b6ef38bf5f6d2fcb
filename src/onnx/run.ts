/**
 * Running an ONNX graph on a batch with TensorFlow.js, node by node in the
 * file's (topological) order, each op from ops/. Parameters can be replaced
 * (by tensors autodiff differentiates, or by one copy per sample), and a
 * probe can be added to a node's output: the gradient of the outputs with
 * respect to a zero probe is that node's output gradient δ, for every sample
 * at once.
 */
import type * as TF from '@tensorflow/tfjs';
import type { OnnxModel } from './model';
import { OPS } from './ops';
import { constantTensor, OnnxOpError } from './ops/types';

export interface RunOptions {
  /** Tensors in place of these initializers. */
  parameters?: Map<string, TF.Tensor>;
  /** Of those, the ones given one copy per sample, [n, …shape]. */
  perSample?: Set<string>;
  /** Added to the first output of these nodes (by node name). */
  probes?: Map<string, TF.Tensor>;
  /** Values to hand back besides the output (by value name). */
  keep?: string[];
}

export interface GraphRun {
  /** The graph's output, [n, …]. */
  output: TF.Tensor;
  kept: Map<string, TF.Tensor>;
}

/** The graph on inputs `x` [n, …input shape]; call inside tf.tidy or tf.grads (every intermediate tensor is left to them). */
export function runGraph(tf: typeof TF, model: OnnxModel, x: TF.Tensor, options: RunOptions = {}): GraphRun {
  const values = new Map<string, TF.Tensor>();
  values.set(model.inputs[0]!.name, x);
  const value = (name: string): TF.Tensor | null => {
    if (name === '') return null;
    const known = values.get(name) ?? options.parameters?.get(name);
    if (known) return known;
    const initializer = model.initializers[name];
    if (!initializer) throw new OnnxOpError(`value '${name}' is used before any node computes it`);
    const tensor = constantTensor(tf, initializer);
    values.set(name, tensor);
    return tensor;
  };
  for (const node of model.nodes) {
    const inputs = node.inputs.map(value);
    const perSample = node.inputs.map((name) => options.perSample?.has(name) ?? false);
    const outputs = OPS[node.op]!(inputs, { tf, node, opset: model.opset, perSample });
    const probe = options.probes?.get(node.name);
    node.outputs.forEach((name, i) => {
      const out = i === 0 && probe ? tf.add(outputs[0]!, probe) : outputs[i];
      if (name && out) values.set(name, out);
    });
  }
  const output = values.get(model.outputs[0]!.name);
  if (!output) throw new OnnxOpError(`the graph never computes its output '${model.outputs[0]!.name}'`);
  return { output, kept: new Map((options.keep ?? []).map((name) => [name, values.get(name)!])) };
}
