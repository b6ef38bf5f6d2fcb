/**
 * A PyTorch `state_dict` ↔ a network, through its layer list.
 *
 * Keys are `<prefix>.weight` and `<prefix>.bias` (may be absent), whatever the
 * prefix (`lin1`, `0`, `layers.3`, `net.fc2`, …). Groups run in natural order
 * of their prefixes (layers.2 before layers.10) and are matched in order to
 * the layers with parameters. Without an architecture, the groups are a stack
 * of linear layers (the MLP shorthand, an activation between them), each
 * layer's input size the previous one's output size. Written state dicts name
 * layers as the seed's `Net` does: `lin1`, `lin2`, … for dense layers.
 */
import { kindOf, LayerShapeError, walkShapes, type InitOptions, type Layer, type LayerSpec, type ParameterTensor, type Shape } from '../layers';
import type { Network } from './network';

export class StateDictError extends Error {}

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Compare strings with digit runs taken as numbers: "layers.2" < "layers.10". */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i];
    const y = cb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}

/** The first NaN or ±Inf of a tensor, as "[r, c]" (or "[i]"; NumPy's indices, from 0), or null. */
export function firstNonFinite(data: ArrayLike<number>, shape: number[]): string | null {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const where = shape.length === 2 ? `[${Math.floor(i / shape[1])}, ${i % shape[1]}]` : `[${i}]`;
      return `${where} is ${data[i]}`;
    }
  }
  return null;
}

export interface Group {
  prefix: string;
  weight: NamedTensor;
  bias?: NamedTensor;
}

/** The tensors as weight/bias groups in natural order of their prefixes, each checked for NaN and ±Inf. */
export function groups(tensors: Map<string, NamedTensor>, what = "a linear layer's weight or bias"): Group[] {
  const byPrefix = new Map<string, { weight?: NamedTensor; bias?: NamedTensor }>();
  for (const [key, tensor] of tensors) {
    const match = /^(.*)\.(weight|bias)$/.exec(key);
    if (!match) throw new StateDictError(`tensor '${key}' is not ${what}`);
    const group = byPrefix.get(match[1]) ?? {};
    group[match[2] as 'weight' | 'bias'] = tensor;
    byPrefix.set(match[1], group);
  }
  if (byPrefix.size === 0) throw new StateDictError('no tensors');
  return [...byPrefix.keys()].sort(naturalCompare).map((prefix) => {
    const { weight, bias } = byPrefix.get(prefix)!;
    if (!weight) throw new StateDictError(`'${prefix}.bias' has no '${prefix}.weight'`);
    for (const [name, t] of [[`${prefix}.weight`, weight], [`${prefix}.bias`, bias]] as const) {
      const bad = t ? firstNonFinite(t.data, t.shape) : null;
      if (bad) throw new StateDictError(`'${name}' ${bad}`);
    }
    return { prefix, weight, bias };
  });
}

function asParameter(name: 'weight' | 'bias', tensor: NamedTensor): ParameterTensor {
  return { name, shape: tensor.shape, data: tensor.data };
}

/** The layer specs of a stack of linear layers in a state dict, with `activation` between them. */
export function mlpSpecsFromStateDict(tensors: Map<string, NamedTensor>, activation: string): { input: Shape; specs: LayerSpec[] } {
  const stack = groups(tensors);
  stack.forEach(({ prefix, weight, bias }, l) => {
    if (weight.shape.length !== 2) throw new StateDictError(`'${prefix}.weight' has shape [${weight.shape.join(', ')}], expected [out, in]`);
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== weight.shape[0])) {
      throw new StateDictError(`'${prefix}.bias' has shape [${bias.shape.join(', ')}], expected [${weight.shape[0]}]`);
    }
    if (l > 0 && stack[l - 1].weight.shape[0] !== weight.shape[1]) {
      throw new StateDictError(`'${prefix}.weight' takes ${weight.shape[1]} inputs but '${stack[l - 1].prefix}.weight' gives ${stack[l - 1].weight.shape[0]} outputs`);
    }
  });
  const specs: LayerSpec[] = [];
  stack.forEach(({ weight }, l) => {
    if (l > 0) specs.push({ kind: 'activation', name: activation });
    specs.push({ kind: 'dense', units: weight.shape[0] });
  });
  return { input: [stack[0].weight.shape[1]], specs };
}

/** The network of `specs` on `input` with the state dict's parameters, matched in order to its layers with parameters. */
export function networkFromStateDict(tensors: Map<string, NamedTensor>, specs: LayerSpec[], input: Shape, options: InitOptions): Network {
  const stack = groups(tensors, "a layer's weight or bias");
  const trainable = specs.filter((spec) => kindOf(spec).trainable);
  if (stack.length !== trainable.length) {
    throw new StateDictError(`${stack.length} layers of weights (${stack.map((g) => g.prefix).join(', ')}) for ${trainable.length} layers with parameters`);
  }
  const { inputs } = walkShapes(specs, input);
  let next = 0;
  const layers = specs.map((spec, l): Layer => {
    const kind = kindOf(spec);
    if (!kind.trainable) return kind.init(spec, inputs[l], options, undefined as never);
    const { prefix, weight, bias } = stack[next++];
    try {
      return kind.fromTensors!(spec, inputs[l], { weight: asParameter('weight', weight), bias: bias && asParameter('bias', bias) }, options);
    } catch (error) {
      if (error instanceof LayerShapeError) throw new StateDictError(`'${prefix}': ${error.message}`);
      throw error;
    }
  });
  return { input, layers };
}

/** The network as a state_dict: its layers with parameters, named lin1, lin2, … (per kind), raw parameters in PyTorch's layout. */
export function stateDictFromNetwork(network: Network): { name: string; shape: number[]; data: Float32Array }[] {
  const counts = new Map<string, number>();
  return network.layers.flatMap((layer) => {
    const tensors = kindOf(layer).parameters(layer);
    if (tensors.length === 0) return [];
    const index = (counts.get(layer.kind) ?? 0) + 1;
    counts.set(layer.kind, index);
    const prefix = `${kindOf(layer).stateDictName ?? layer.kind}${index}`;
    return tensors.map((t) => ({ name: `${prefix}.${t.name}`, shape: t.shape, data: t.data }));
  });
}
