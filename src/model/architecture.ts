/**
 * What a network is before its parameters exist: its input shape, its layers
 * in order (layers/ defines each kind), and the width of its hidden layers.
 * The MLP flags are a shorthand for dense:W, φ, dense:W, φ, …, dense:O; a
 * dense layer whose units are 'W' takes the hidden width. The width is a
 * type: finite (a number of units), or infinite, where the network has no
 * parameters and only its kernel exists (engines/analytic.ts).
 */
import { walkShapes, type LayerSpec, type Shape } from '../layers';
import { sizeOf } from './network';

/** The hidden width: a number of units, or the infinite-width limit. */
export type Width = { kind: 'finite'; units: number } | { kind: 'infinite' };

export const INFINITE_WIDTH: Width = { kind: 'infinite' };

export function finiteWidth(units: number): Width {
  return { kind: 'finite', units };
}

/** An architecture's entry: a layer spec whose sizes may still be 'W'. */
export type ArchitectureEntry = LayerSpec;

export interface Architecture {
  /** One sample's shape. */
  input: Shape;
  layers: ArchitectureEntry[];
}

/** The MLP shorthand: input → (dense:W, φ) × depth → dense:outputs. */
export function mlpArchitecture(inputDim: number, depth: number, outputDim: number, activation: string): Architecture {
  const layers: ArchitectureEntry[] = [];
  for (let l = 0; l < depth; l++) layers.push({ kind: 'dense', units: 'W' }, { kind: 'activation', name: activation });
  layers.push({ kind: 'dense', units: outputDim });
  return { input: [inputDim], layers };
}

/** The layer specs at a finite width: every size that is 'W' becomes `units`. */
export function resolveLayers(architecture: Architecture, units: number): LayerSpec[] {
  return architecture.layers.map((entry) => Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, value === 'W' ? units : value])) as LayerSpec);
}

/** One sample's output shape (checking every layer's input); 'W' counts as one unit, which no output shape depends on. */
export function outputShapeOf(architecture: Architecture): Shape {
  return walkShapes(resolveLayers(architecture, 1), architecture.input).output;
}

/** The number of outputs (the size of one sample's output). */
export function outputCount(architecture: Architecture): number {
  return sizeOf(outputShapeOf(architecture));
}

/** The number of values one sample has. */
export function inputCount(architecture: Architecture): number {
  return sizeOf(architecture.input);
}

/**
 * The MLP an architecture is, when it is one: [input, hidden widths…,
 * outputs] and its activation; null for anything else (a convolution, mixed
 * activations).
 */
export function mlpOf(architecture: Architecture, width: Width): { sizes: (number | 'inf')[]; activation: string | null } | null {
  if (architecture.input.length !== 1) return null;
  const sizes: (number | 'inf')[] = [architecture.input[0]];
  const names = new Set<string>();
  for (const entry of architecture.layers) {
    if (entry.kind === 'activation') names.add(entry.name);
    else if (entry.kind !== 'dense') return null;
    else if (entry.units === 'W') sizes.push(width.kind === 'infinite' ? 'inf' : width.units);
    else sizes.push(entry.units);
  }
  if (names.size > 1) return null;
  return { sizes, activation: [...names][0] ?? null };
}
