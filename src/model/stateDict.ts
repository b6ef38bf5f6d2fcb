/**
 * A PyTorch `state_dict` of linear layers ↔ an Mlp.
 *
 * Keys are `<prefix>.weight` ([out, in]) and `<prefix>.bias` ([out], may be
 * absent), whatever the prefix (`lin1`, `0`, `layers.3`, `net.fc2`, …). Layers
 * run in natural order of their prefixes (layers.2 before layers.10), and each
 * layer's input size must be the previous layer's output size.
 */
import type { DenseLayer, Mlp, Parameterization } from './mlp';

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

/** The first NaN or ±Inf of a tensor, as "row r, column c" (or "index i"), or null. */
export function firstNonFinite(data: ArrayLike<number>, shape: number[]): string | null {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const where = shape.length === 2 ? `row ${Math.floor(i / shape[1])}, column ${i % shape[1]}` : `index ${i}`;
      return `${where} is ${data[i]}`;
    }
  }
  return null;
}

export function mlpFromStateDict(
  tensors: Map<string, NamedTensor>,
  activation: string,
  parameterization: Parameterization = 'standard',
  sigma: { w: number; b: number } = { w: 1, b: 1 },
): Mlp {
  const groups = new Map<string, { weight?: NamedTensor; bias?: NamedTensor }>();
  for (const [key, tensor] of tensors) {
    const match = /^(.*)\.(weight|bias)$/.exec(key);
    if (!match) throw new StateDictError(`tensor '${key}' is not a linear layer's weight or bias`);
    const group = groups.get(match[1]) ?? {};
    group[match[2] as 'weight' | 'bias'] = tensor;
    groups.set(match[1], group);
  }
  if (groups.size === 0) throw new StateDictError('no tensors');
  const prefixes = [...groups.keys()].sort(naturalCompare);
  const layers: DenseLayer[] = prefixes.map((prefix, l) => {
    const { weight, bias } = groups.get(prefix)!;
    if (!weight) throw new StateDictError(`'${prefix}.bias' has no '${prefix}.weight'`);
    if (weight.shape.length !== 2) throw new StateDictError(`'${prefix}.weight' has shape [${weight.shape.join(', ')}], expected [out, in]`);
    const [outDim, inDim] = weight.shape;
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== outDim)) {
      throw new StateDictError(`'${prefix}.bias' has shape [${bias.shape.join(', ')}], expected [${outDim}]`);
    }
    for (const [name, t] of [[`${prefix}.weight`, weight], [`${prefix}.bias`, bias]] as const) {
      const bad = t ? firstNonFinite(t.data, t.shape) : null;
      if (bad) throw new StateDictError(`'${name}' ${bad}`);
    }
    if (l > 0) {
      const previous = groups.get(prefixes[l - 1])!.weight!;
      if (previous.shape[0] !== inDim) {
        throw new StateDictError(
          `'${prefix}.weight' takes ${inDim} inputs but '${prefixes[l - 1]}.weight' gives ${previous.shape[0]} outputs`,
        );
      }
    }
    const ntk = parameterization === 'ntk';
    return {
      inDim,
      outDim,
      weight: weight.data,
      bias: bias ? bias.data : null,
      weightScale: ntk ? sigma.w / Math.sqrt(inDim) : 1,
      biasScale: ntk ? sigma.b : 1,
    };
  });
  return { layers, activation };
}

/**
 * The model as a state_dict with the seed's names, `lin1`, `lin2`, … (the
 * seed's `Net` has `lin1` and `lin2`), raw parameters in PyTorch's layout.
 */
export function stateDictFromMlp(model: Mlp): { name: string; shape: number[]; data: Float32Array }[] {
  return model.layers.flatMap((layer, l) => {
    const entries = [{ name: `lin${l + 1}.weight`, shape: [layer.outDim, layer.inDim], data: layer.weight }];
    if (layer.bias) entries.push({ name: `lin${l + 1}.bias`, shape: [layer.outDim], data: layer.bias });
    return entries;
  });
}
