/**
 * `--arch SPEC`: a network as a comma-separated list of layers, left to right:
 *   dense:N                      nn.Linear(in, N)
 *   conv:C:K[:same|:valid][:sS]  nn.Conv2d(in, C, K, stride=S, padding=0 or (K−1)/2)
 *   avgpool:K, maxpool:K         K×K windows, stride K
 *   gap                          global average pooling (C×H×W → C)
 *   flatten                      C×H×W → C·H·W, PyTorch's x.flatten(1) order
 *   relu, tanh, erf, gelu, …     every activation --activation takes (leaky_relu:α too)
 * N or C may be W: the hidden width, --width (so --width inf gives the
 * infinite-width kernel of the same architecture). And back: the spec of an
 * architecture, as written in --save-model's metadata.
 */
import { isActivation } from '../activations';
import { kindOf, type LayerSpec, type Units } from '../layers';
import type { ArchitectureEntry } from './architecture';

export class ArchSpecError extends Error {}

const GRAMMAR = 'dense:N, conv:C:K[:same|:valid][:sS], avgpool:K, maxpool:K, gap, flatten, or an activation';

function whole(text: string, what: string, token: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1_000_000) throw new ArchSpecError(`'${token}': ${what} must be a whole number from 1, got '${text}'`);
  return Number(text);
}

function units(text: string, what: string, token: string): Units {
  return text === 'W' ? 'W' : whole(text, what, token);
}

function entry(token: string): ArchitectureEntry {
  if (isActivation(token)) return { kind: 'activation', name: token };
  const [head, ...rest] = token.split(':');
  switch (head) {
    case 'dense':
      if (rest.length !== 1) throw new ArchSpecError(`'${token}': expected dense:N (N a number or W)`);
      return { kind: 'dense', units: units(rest[0], 'N', token) };
    case 'conv': {
      if (rest.length < 2) throw new ArchSpecError(`'${token}': expected conv:C:K[:same|:valid][:sS]`);
      const spec: LayerSpec = { kind: 'conv', channels: units(rest[0], 'C', token), size: whole(rest[1], 'K', token), padding: 'valid', stride: 1 };
      for (const option of rest.slice(2)) {
        if (option === 'same' || option === 'valid') spec.padding = option;
        else if (/^s\d+$/.test(option)) spec.stride = whole(option.slice(1), 'the stride', token);
        else throw new ArchSpecError(`'${token}': '${option}' is not same, valid or sS (a stride)`);
      }
      if (spec.padding === 'same' && spec.size % 2 === 0) throw new ArchSpecError(`'${token}': same padding needs an odd window K`);
      return spec;
    }
    case 'avgpool':
    case 'maxpool':
      if (rest.length !== 1) throw new ArchSpecError(`'${token}': expected ${head}:K`);
      return { kind: head, size: whole(rest[0], 'K', token) };
    case 'gap':
    case 'flatten':
      if (rest.length) throw new ArchSpecError(`'${token}': ${head} takes no size`);
      return { kind: head };
    default:
      throw new ArchSpecError(`'${token}' is not a layer; expected ${GRAMMAR}`);
  }
}

/** The layers of SPEC, in order. */
export function parseArchSpec(text: string): ArchitectureEntry[] {
  const tokens = text.split(',').map((t) => t.trim());
  if (tokens.some((t) => t === '')) throw new ArchSpecError('an empty layer between commas');
  const layers = tokens.map(entry);
  if (!layers.some((l) => l.kind === 'dense' || l.kind === 'conv')) throw new ArchSpecError('no layer with parameters (dense or conv)');
  return layers;
}

/** An architecture's layers as SPEC (what parseArchSpec reads back). */
export function formatArchSpec(layers: readonly ArchitectureEntry[]): string {
  return layers.map((entry) => kindOf(entry).describe(entry)).join(',');
}

/** `CxHxW` (or `d` for a vector): one sample's shape. */
export function parseShape(text: string): number[] {
  const parts = text.trim().split(/[x\u00d7]/); // × escaped: one non-ASCII character makes the bundle a two-byte string
  if (!(parts.length === 3 || parts.length === 1) || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 1_000_000)) {
    throw new ArchSpecError(`expected CxHxW (channels, height, width; e.g. 3x32x32), got '${text}'`);
  }
  return parts.map(Number);
}
