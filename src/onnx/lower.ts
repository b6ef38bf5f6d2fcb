/**
 * An ONNX graph that is a plain stack of ntk-cli's layers, read as those
 * layers: Gemm (or MatMul and its bias Add) as dense, Conv (square, one
 * stride, no padding or 'same') as conv, the activations ntk-cli has,
 * MaxPool and AveragePool with stride = window, GlobalAveragePool or
 * ReduceMean over the pixels as gap, Flatten; Identity, Dropout and zero Pad
 * vanish. Such a network computes exactly as the same network given with
 * --arch or --weights (the same arithmetic, the same bits), at its speed.
 * Anything else (a branch, another op, a parameter not in a layer or in two)
 * returns null, and the graph runs as one layer (layers/graph.ts).
 */
import { isActivation } from '../activations';
import { kindOf, LayerShapeError, walkShapes, type Layer, type LayerSpec, type ParameterTensor, type Shape } from '../layers';
import type { Network } from '../model/network';
import type { OnnxModel, OnnxNode, OnnxTensor } from './model';
import { intsAttribute } from './ops/types';
import { convWindow, parameterCandidates, usesOf } from './plan';

const ACTIVATIONS: Record<string, string> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid', Erf: 'erf', Sin: 'sin', Softplus: 'softplus' };
const VANISH = new Set(['Identity', 'Dropout']);

function parameter(name: string, t: OnnxTensor): ParameterTensor {
  return { name, shape: t.dims, data: t.data as Float32Array };
}

/** [rows, cols] row-major transposed. */
function transposed(t: OnnxTensor): OnnxTensor {
  const [rows, cols] = t.dims as [number, number];
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[j * rows + i] = t.data[i * cols + j]!;
  return { dims: [cols, rows], type: t.type, data };
}

interface Step {
  spec: LayerSpec;
  weight?: ParameterTensor;
  bias?: ParameterTensor;
}

/** The layers of a stack, or null where the graph is not one. */
export function lowerToLayers(model: OnnxModel, input: Shape): Network | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const constants = new Map<string, OnnxTensor>(Object.entries(model.initializers));
  for (const node of model.nodes) if (node.op === 'Constant' && node.attributes.value) constants.set(node.outputs[0]!, node.attributes.value as OnnxTensor);
  const used = new Set<string>();
  const constant = (name: string | undefined) => {
    if (!name) return undefined;
    const t = constants.get(name);
    if (t && name in model.initializers) used.add(name);
    return t;
  };
  const steps: Step[] = [];
  let current = model.inputs[0]!.name;
  let shape: Shape = input;
  const nodes = model.nodes.filter((n) => n.op !== 'Constant');
  const push = (step: Step) => {
    shape = kindOf(step.spec).outputShape(step.spec, shape);
    steps.push(step);
  };
  try {
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (node.inputs[0] !== current || node.outputs.filter((o) => o !== '').length > (node.op === 'Dropout' ? 2 : 1)) return null;
      if (node.inputs.slice(1).some((name) => name !== '' && !constants.has(name))) return null;
      const step = stepOf(node, shape, constant, nodes[i + 1]);
      if (step === null) return null;
      if (step === 'vanish') {
        current = node.outputs[0]!;
        continue;
      }
      if (step.mergesNext) {
        // MatMul then the Add of its bias: one dense layer.
        i++;
        current = nodes[i]!.outputs[0]!;
      } else current = node.outputs[0]!;
      push(step);
    }
  } catch (error) {
    if (error instanceof LayerShapeError) return null;
    throw error;
  }
  if (current !== model.outputs[0]!.name || steps.length === 0) return null;
  // Every parameter is in a layer, and in one only (a shared one is refused by the graph path); otherwise the graph path takes them all.
  if (parameterCandidates(model).some((name) => !used.has(name) || usesOf(model, name).length > 1)) return null;
  const options = { parameterization: 'standard' as const, sigmaW: 1, sigmaB: 1 };
  const { inputs } = walkShapes(steps.map((step) => step.spec), input);
  const layers = steps.map((step, l): Layer => {
    const kind = kindOf(step.spec);
    return kind.trainable ? kind.fromTensors!(step.spec, inputs[l], { weight: step.weight!, bias: step.bias }, options) : kind.init(step.spec, inputs[l], options, undefined as never);
  });
  return { input, layers };
}

type Lowered = (Step & { mergesNext?: boolean }) | 'vanish' | null;

function stepOf(node: OnnxNode, shape: Shape, constant: (name: string | undefined) => OnnxTensor | undefined, next: OnnxNode | undefined): Lowered {
  const a = node.attributes;
  if (VANISH.has(node.op)) return 'vanish';
  if (ACTIVATIONS[node.op]) return { spec: { kind: 'activation', name: ACTIVATIONS[node.op]! } };
  switch (node.op) {
    case 'LeakyRelu': {
      const name = `leaky_relu:${(a.alpha as number | undefined) ?? 0.01}`;
      return isActivation(name) ? { spec: { kind: 'activation', name } } : null;
    }
    case 'Gemm': {
      if ((a.alpha ?? 1) !== 1 || (a.beta ?? 1) !== 1 || (a.transA ?? 0) !== 0 || shape.length !== 1) return null;
      const w = constant(node.inputs[1]);
      const b = constant(node.inputs[2]);
      if (!w || w.dims.length !== 2 || (b && b.dims.length !== 1)) return null;
      const weight = (a.transB ?? 0) === 1 ? w : transposed(w);
      return { spec: { kind: 'dense', units: weight.dims[0]! }, weight: parameter(node.inputs[1]!, weight), bias: b && parameter(node.inputs[2]!, b) };
    }
    case 'MatMul': {
      const w = constant(node.inputs[1]);
      if (!w || w.dims.length !== 2 || shape.length !== 1) return null;
      const weight = parameter(node.inputs[1]!, transposed(w));
      const biasName = next?.op === 'Add' && next.inputs.includes(node.outputs[0]!) ? next.inputs.find((n) => n !== node.outputs[0]) : undefined;
      const b = constant(biasName);
      if (b && b.dims.length === 1 && b.dims[0] === w.dims[1]) return { spec: { kind: 'dense', units: w.dims[1]! }, weight, bias: parameter(biasName!, b), mergesNext: true };
      return { spec: { kind: 'dense', units: w.dims[1]! }, weight };
    }
    case 'Conv': {
      const w = constant(node.inputs[1]);
      const b = constant(node.inputs[2]);
      if (!w || w.dims.length !== 4 || shape.length !== 3) return null;
      const window = convWindow(node, w.dims);
      if (typeof window === 'string') return null;
      const { k, stride, pad } = window;
      const padding = pad === 0 ? 'valid' : k % 2 === 1 && pad === (k - 1) / 2 ? 'same' : null;
      if (!padding) return null;
      return { spec: { kind: 'conv', channels: w.dims[0]!, size: k, padding, stride }, weight: parameter(node.inputs[1]!, w), bias: b && parameter(node.inputs[2]!, b) };
    }
    case 'MaxPool':
    case 'AveragePool': {
      const k = intsAttribute(node, 'kernel_shape') ?? [];
      const s = intsAttribute(node, 'strides') ?? [1, 1];
      const pads = intsAttribute(node, 'pads') ?? [0, 0, 0, 0];
      if (k.length !== 2 || k[0] !== k[1] || s[0] !== k[0] || s[1] !== k[0] || pads.some((p) => p !== 0) || (a.ceil_mode ?? 0) !== 0) return null;
      if (((a.auto_pad as string | undefined) ?? 'NOTSET') !== 'NOTSET' || (intsAttribute(node, 'dilations') ?? [1, 1]).some((d) => d !== 1)) return null;
      return { spec: { kind: node.op === 'MaxPool' ? 'maxpool' : 'avgpool', size: k[0]! } };
    }
    case 'Pad': {
      const pads = intsAttribute(node, 'pads') ?? constant(node.inputs[1])?.data;
      return pads && Array.from(pads).every((p) => p === 0) ? 'vanish' : null;
    }
    case 'GlobalAveragePool':
      return shape.length === 3 ? { spec: { kind: 'gap' } } : null;
    case 'ReduceMean': {
      const axes = (intsAttribute(node, 'axes') ?? (constant(node.inputs[1])?.data ? Array.from(constant(node.inputs[1])!.data) : [])).map((x) => (x < 0 ? x + 4 : x));
      return shape.length === 3 && axes.length === 2 && axes.includes(2) && axes.includes(3) ? { spec: { kind: 'gap' } } : null;
    }
    case 'Flatten':
      if ((a.axis ?? 1) !== 1) return null;
      return shape.length === 1 ? 'vanish' : { spec: { kind: 'flatten' } };
    case 'Squeeze':
      // After gap, which drops the 1×1 pixels a global pooling keeps: nothing left to do.
      return shape.length === 1 ? 'vanish' : null;
    case 'Reshape': {
      // To rows of the values it has (x.view(n, -1) with a constant shape): a flatten, or nothing after gap.
      const target = constant(node.inputs[1]);
      const size = shape.reduce((p, q) => p * q, 1);
      if (!target || target.dims.length !== 1 || target.data.length !== 2 || ![0, -1].includes(target.data[0]!) || ![-1, size].includes(target.data[1]!)) return null;
      return shape.length === 1 ? 'vanish' : { spec: { kind: 'flatten' } };
    }
    default:
      return null;
  }
}
