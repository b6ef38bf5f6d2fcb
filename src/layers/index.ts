/**
 * The layer kinds, one file each: the table of contents. Adding a kind means
 * its file beside these and a line in KINDS; the spec and layer types below
 * are read from the table, and networks, state dicts, the kernels at finite
 * and infinite width and the autodiff paths all go through it.
 */
import { activationLayer } from './activation';
import { conv } from './conv';
import { dense } from './dense';
import { flatten } from './flatten';
import { graph } from './graph';
import { avgpool, gap, maxpool } from './pool';
import type { KernelTermShape, LayerKind, Shape } from './types';

const KINDS = {
  dense,
  activation: activationLayer,
  conv,
  avgpool,
  maxpool,
  gap,
  flatten,
  graph,
} as const;

type Kinds = typeof KINDS;
/** An architecture's entry, of any kind (sizes may be 'W', the hidden width, until resolved). */
export type LayerSpec = { [K in keyof Kinds]: Parameters<Kinds[K]['outputShape']>[0] }[keyof Kinds];
/** A layer with its parameters, of any kind. */
export type Layer = { [K in keyof Kinds]: Parameters<Kinds[K]['parameters']>[0] }[keyof Kinds];

/** The behaviour of a layer (or spec) of any kind. */
export function kindOf(layer: { kind: string }): LayerKind<LayerSpec, Layer> {
  const found = (KINDS as Record<string, unknown>)[layer.kind];
  if (!found) throw new RangeError(`unknown layer kind '${layer.kind}'`);
  return found as LayerKind<LayerSpec, Layer>;
}

/**
 * The shape each spec takes, in order, and the shape after the last: the one
 * walk through a network's shapes (each kind's outputShape checks its input,
 * throwing LayerShapeError where it does not fit).
 */
export function walkShapes(specs: readonly LayerSpec[], input: Shape): { inputs: Shape[]; output: Shape } {
  const inputs: Shape[] = [];
  let shape = input;
  for (const spec of specs) {
    inputs.push(shape);
    shape = kindOf(spec).outputShape(spec, shape);
  }
  return { inputs, output: shape };
}

/** The shapes of a network's kernel terms, in layer order (termShape, layers/types.ts): the factors' sizes before they are computed. */
export function termShapesOf(layers: readonly Layer[], outputs: number): KernelTermShape[] {
  const last = layers.length - 1;
  return layers.flatMap((layer, l) => kindOf(layer).termShape?.(layer, outputs, l === last) ?? []);
}

export type { ActivationLayer, ActivationSpec } from './activation';
export type { ConvLayer, ConvSpec } from './conv';
export type { DenseLayer, DenseSpec } from './dense';
export type { FlattenLayer, FlattenSpec } from './flatten';
export type { GraphLayer, GraphSpec } from './graph';
export type { GapLayer, GapSpec, PoolLayer, PoolSpec } from './pool';
export {
  entriesOf,
  LayerShapeError,
  PARAMETERIZATIONS,
  pixelsOf,
  type Forwarded,
  type InfiniteMap,
  type InfiniteOptions,
  type InitOptions,
  type KernelTerm,
  type KernelTermShape,
  type LayoutKind,
  type PairLayout,
  type Parameterization,
  type ParameterTensor,
  type RowKernels,
  type Shape,
  type Units,
} from './types';
