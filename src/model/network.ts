/**
 * A network is a list of layers (layers/), each with its parameters, built
 * from an architecture at a finite width. `buildNetwork` draws the
 * parameters as PyTorch does for the same modules constructed in order after
 * `torch.manual_seed`: each layer in turn, weight then bias, from one
 * generator (so that the inputs drawn afterwards continue the same stream, as
 * in the seed).
 */
import { kindOf, walkShapes, type InitOptions, type Layer, type LayerSpec, type Shape } from '../layers';
import type { TorchGenerator } from './torchRandom';

export interface Network {
  /** One sample's input shape. */
  input: Shape;
  layers: Layer[];
}

export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Build the layers of `specs` on `input`, drawing their parameters from `generator`. */
export function buildNetwork(specs: LayerSpec[], input: Shape, options: InitOptions, generator: TorchGenerator): Network {
  const { inputs } = walkShapes(specs, input);
  return { input, layers: specs.map((spec, l) => kindOf(spec).init(spec, inputs[l], options, generator)) };
}

/** The layer specs of a built network (a dense layer's units are its size). */
export function specsOf(network: Network): LayerSpec[] {
  return network.layers.map((layer) => kindOf(layer).specOf(layer));
}

/** One sample's output shape, through every layer. */
export function outputShapeOfNetwork(network: Network): Shape {
  return walkShapes(specsOf(network), network.input).output;
}

/** The number of outputs of one sample. */
export function outputDimOf(network: Network): number {
  return sizeOf(outputShapeOfNetwork(network));
}

/** The number of values of one sample's input. */
export function inputSizeOf(network: Network): number {
  return sizeOf(network.input);
}

/** Trainable parameters (every weight and bias). */
export function parameterCount(network: Network): number {
  return network.layers.reduce((sum, layer) => sum + kindOf(layer).parameters(layer).reduce((s, t) => s + t.data.length, 0), 0);
}

/** The indices of the layers with parameters, in order. */
export function trainableLayers(network: Network): number[] {
  return network.layers.flatMap((layer, l) => (kindOf(layer).trainable ? [l] : []));
}

/** A copy whose parameters can be trained without touching the original. */
export function copyNetwork(network: Network): Network {
  return structuredClone(network);
}

