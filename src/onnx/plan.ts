/**
 * What ntk-cli computes of an ONNX model, decided before any work: its input
 * and output, its parameters θ (every floating-point initializer of rank ≥ 1
 * but batch normalisation's running statistics, or those --params names),
 * and for each parameter how its per-sample gradient enters the kernel:
 *
 *   product     the weight of a Gemm, or of a MatMul on rows: the gradient
 *               is α·δ ⊗ a (a the node's input, δ its output gradient), and
 *               with its bias (β·δ) the term is (α²·a·a′ + β²)·(δ·δ′), as a
 *               dense layer's (layers/dense.ts);
 *   batched     a MatMul's weight on a stack of rows (a sequence): the
 *               gradient Σ_t a_t ⊗ δ_t, a Jacobian (a `gram` term);
 *   conv        a Conv's weight (and bias): the patches times δ, summed over
 *               positions, as layers/conv.ts computes it;
 *   perSample   a parameter that enters element-wise (a bias added, a scale
 *               multiplied, batch or layer normalisation's scale and shift):
 *               given one copy per sample, autodiff gives each sample's
 *               gradient, a Jacobian.
 *
 * Anything else (an op outside the table, a parameter used twice or where
 * none of these applies, a second input) is refused here with one line
 * naming the op and node, so nothing is computed or written.
 */
import type * as TF from '@tensorflow/tfjs';
import type { PatchGeometry } from '../layers/patches';
import type { OnnxModel, OnnxNode } from './model';
import { OPS } from './ops';
import { intsAttribute, OnnxOpError } from './ops/types';
import { runGraph } from './run';

export class OnnxPlanError extends Error {}

export type TermPlan =
  | { kind: 'product'; node: string; input: string; weight: string; bias: string | null; alpha: number; beta: number; inputs: number; units: number }
  | { kind: 'batched'; node: string; input: string; weight: string; inputs: number; units: number }
  | { kind: 'conv'; node: string; input: string; weight: string; bias: string | null; geometry: PatchGeometry; outChannels: number }
  | { kind: 'perSample'; param: string; size: number };

export interface GraphPlan {
  /** One sample's input shape (the batch dimension left out). */
  input: number[];
  /** Values per sample of the output. */
  outputs: number;
  /** θ, in the file's order of initializers. */
  theta: string[];
  terms: TermPlan[];
}

export interface PlanOptions {
  /** Only parameters whose names match (--params). */
  params?: RegExp;
  /** One sample's shape where the model's input has dynamic dimensions besides the batch (--input-shape). */
  inputShape?: number[];
}

/** Every op of the graph has an implementation, or the first that has none is named with its node. */
export function checkOps(model: OnnxModel): void {
  const unknown = model.nodes.find((node) => !OPS[node.op]);
  if (unknown) throw new OnnxPlanError(`unsupported ONNX op ${unknown.op} (node ${unknown.name})`);
}

/** One sample's input shape: the model's input without its batch dimension, or --input-shape where it is dynamic. */
export function sampleShapeOf(model: OnnxModel, options: PlanOptions): number[] {
  if (model.inputs.length !== 1) throw new OnnxPlanError(`the model has ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}); ntk-cli feeds one`);
  if (model.outputs.length !== 1) throw new OnnxPlanError(`the model has ${model.outputs.length} outputs (${model.outputs.map((o) => o.name).join(', ')}); ntk-cli computes the kernel of one`);
  const [, ...dims] = model.inputs[0]!.dims;
  if (options.inputShape) {
    const fixed = dims.every((d) => typeof d === 'number');
    if (fixed && (dims.length !== options.inputShape.length || dims.some((d, i) => d !== options.inputShape![i]))) {
      throw new OnnxPlanError(`--input-shape ${options.inputShape.join('x')} contradicts the model's input ${dims.join('×')}`);
    }
    return options.inputShape;
  }
  if (dims.length === 0) throw new OnnxPlanError(`the model's input '${model.inputs[0]!.name}' has no dimension besides the batch`);
  const dynamic = dims.find((d) => typeof d !== 'number');
  if (dynamic !== undefined) throw new OnnxPlanError(`the model's input has a dynamic dimension '${dynamic}' besides the batch: give one sample's shape with --input-shape`);
  return dims as number[];
}

/** The floating-point initializers of rank ≥ 1, but batch normalisation's running mean and variance. */
export function parameterCandidates(model: OnnxModel): string[] {
  const statistics = new Set(model.nodes.filter((n) => n.op === 'BatchNormalization').flatMap((n) => n.inputs.slice(3, 5)));
  return Object.entries(model.initializers)
    .filter(([name, t]) => t.type === 'float32' && t.dims.length >= 1 && !statistics.has(name))
    .map(([name]) => name);
}

function thetaOf(model: OnnxModel, options: PlanOptions): string[] {
  const candidates = parameterCandidates(model);
  if (!options.params) {
    if (candidates.length === 0) throw new OnnxPlanError('the model has no parameters (floating-point initializers)');
    return candidates;
  }
  const chosen = candidates.filter((name) => options.params!.test(name));
  if (chosen.length === 0) throw new OnnxPlanError(`--params ${options.params.source} matches none of the model's parameters (${candidates.join(', ')})`);
  return chosen;
}

/** Shapes of the values the plan needs, from one run on two samples of zeros. */
function dryRun(tf: typeof TF, model: OnnxModel, input: number[]): { output: number[]; shapes: Map<string, number[]> } {
  const keep = model.nodes.flatMap((n) => [...n.inputs, ...n.outputs]).filter((name) => name !== '' && !(name in model.initializers));
  const shapes = new Map<string, number[]>();
  let output: number[] = [];
  try {
    tf.tidy(() => {
      const run = runGraph(tf, model, tf.zeros([2, ...input]), { keep: [...new Set(keep)] });
      for (const [name, t] of run.kept) if (t) shapes.set(name, t.shape);
      output = run.output.shape;
    });
    return { output, shapes };
  } catch (error) {
    // An op that ntk-cli does not compute names itself; any other failure on a batch of two is a fixed batch size.
    if (error instanceof OnnxOpError) throw error;
    throw new OnnxPlanError(`the graph does not run on a batch of two inputs of shape ${input.join('×')} (${(error as Error).message}); export it with a dynamic batch dimension (torch.onnx.export's dynamic_axes)`);
  }
}

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div']);

/** The nodes (and their input slots) that read `name`. */
export function usesOf(model: OnnxModel, name: string): { node: OnnxNode; slot: number }[] {
  return model.nodes.flatMap((node) => node.inputs.flatMap((input, slot) => (input === name ? [{ node, slot }] : [])));
}

/** A 2-D Conv node's window, stride and pad where they are square and even, as ntk-cli's patches compute them, or why not. */
export function convWindow(node: OnnxNode, weightDims: readonly number[]): { k: number; stride: number; pad: number } | string {
  const [, , kh, kw] = weightDims as [number, number, number, number];
  const strides = intsAttribute(node, 'strides') ?? [1, 1];
  const dilations = intsAttribute(node, 'dilations') ?? [1, 1];
  const group = (node.attributes.group as number | undefined) ?? 1;
  const autoPad = (node.attributes.auto_pad as string | undefined) ?? 'NOTSET';
  if (group !== 1) return `${group} groups`;
  if (dilations.some((d) => d !== 1)) return 'dilation';
  if (kh !== kw) return `a ${kh}×${kw} kernel`;
  if (strides[0] !== strides[1]) return `strides ${strides.join('×')}`;
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return `auto_pad ${autoPad}`;
  const pads = autoPad === 'VALID' ? [0, 0, 0, 0] : intsAttribute(node, 'pads') ?? [0, 0, 0, 0];
  if (pads.some((p) => p !== pads[0])) return `pads ${pads.join(', ')}`;
  return { k: kh, stride: strides[0]!, pad: pads[0]! };
}

/** The square, evenly padded and strided 2-D convolution ntk-cli's patches compute, or why not. */
function convGeometry(node: OnnxNode, inputShape: number[], outputShape: number[], weightDims: number[]): PatchGeometry | string {
  if (inputShape.length !== 4) return 'a 1-D convolution';
  const window = convWindow(node, weightDims);
  if (typeof window === 'string') return window;
  const [, channels, height, width] = inputShape as [number, number, number, number];
  return { channels, height, width, ...window, outHeight: outputShape[2]!, outWidth: outputShape[3]! };
}

/** The plan of a model whose ops checkOps has accepted: one dry run for the shapes, then each parameter's term. */
export function planGraph(tf: typeof TF, model: OnnxModel, options: PlanOptions = {}): GraphPlan {
  const input = sampleShapeOf(model, options);
  const theta = thetaOf(model, options);
  const { output, shapes } = dryRun(tf, model, input);
  const inTheta = new Set(theta);
  const shapeOf = (name: string) => shapes.get(name) ?? model.initializers[name]?.dims ?? [];
  const size = (name: string) => model.initializers[name]!.dims.reduce((a, b) => a * b, 1);
  const terms: TermPlan[] = [];
  const attached = new Set<string>();
  const refuse = (name: string, node: OnnxNode, why: string) => {
    throw new OnnxPlanError(`parameter '${name}' enters ${node.op} (node ${node.name}) ${why}; leave it out of θ with --params`);
  };
  for (const name of theta) {
    if (attached.has(name)) continue;
    const uses = usesOf(model, name);
    if (uses.length === 0) continue; // an unused initializer has no gradient
    if (uses.length > 1) throw new OnnxPlanError(`parameter '${name}' is used by ${uses.length} nodes (${uses.map((u) => u.node.name).join(', ')}): shared parameters are not supported; leave it out of θ with --params`);
    const { node, slot } = uses[0]!;
    const outputName = node.outputs[0]!;
    if ((node.op === 'Gemm' || node.op === 'MatMul') && slot === 1) {
      const a = node.inputs[0]!;
      if (a in model.initializers) refuse(name, node, 'times a constant');
      if (node.op === 'Gemm' && ((node.attributes.transA as number | undefined) ?? 0) !== 0) refuse(name, node, 'with transA');
      if (model.initializers[name]!.dims.length !== 2) refuse(name, node, 'as a stack of matrices');
      const aShape = shapeOf(a);
      const units = shapeOf(outputName).at(-1)!;
      if (aShape.length === 2) {
        const alpha = node.op === 'Gemm' ? ((node.attributes.alpha as number | undefined) ?? 1) : 1;
        const beta = node.op === 'Gemm' ? ((node.attributes.beta as number | undefined) ?? 1) : 1;
        const c = node.op === 'Gemm' ? node.inputs[2] ?? '' : '';
        const bias = c !== '' && inTheta.has(c) && size(c) === units && usesOf(model, c).length === 1 ? c : null;
        if (bias) attached.add(bias);
        terms.push({ kind: 'product', node: node.name, input: a, weight: name, bias, alpha, beta, inputs: aShape[1]!, units });
      } else {
        terms.push({ kind: 'batched', node: node.name, input: a, weight: name, inputs: aShape.at(-1)!, units });
      }
      continue;
    }
    if (node.op === 'Conv' && slot === 1) {
      const geometry = convGeometry(node, shapeOf(node.inputs[0]!), shapeOf(outputName), model.initializers[name]!.dims);
      if (typeof geometry === 'string') refuse(name, node, `as the weight of a convolution with ${geometry} (ntk-cli's per-sample patches take one group, a square window without dilation, one stride and one pad)`);
      const b = node.inputs[2] ?? '';
      const bias = b !== '' && inTheta.has(b) && usesOf(model, b).length === 1 ? b : null;
      if (bias) attached.add(bias);
      const g = geometry as PatchGeometry;
      terms.push({ kind: 'conv', node: node.name, input: node.inputs[0]!, weight: name, bias, geometry: g, outChannels: model.initializers[name]!.dims[0]! });
      continue;
    }
    const elementwise =
      (ELEMENTWISE.has(node.op) && slot <= 1) ||
      ((node.op === 'BatchNormalization' || node.op === 'LayerNormalization') && (slot === 1 || slot === 2)) ||
      ((node.op === 'Gemm' || node.op === 'Conv') && slot === 2);
    if (!elementwise) refuse(name, node, `as its input ${slot + 1}, where its per-sample gradient is not computed`);
    if (ELEMENTWISE.has(node.op)) {
      const other = shapeOf(node.inputs[1 - slot]!);
      const dims = model.initializers[name]!.dims;
      if (!(dims.length < other.length || (dims.length === other.length && dims[0] === 1))) refuse(name, node, 'broadcast over the batch dimension');
    }
    terms.push({ kind: 'perSample', param: name, size: size(name) });
  }
  const outputs = output.slice(1).reduce((a, b) => a * b, 1);
  return { input, outputs, theta, terms };
}
