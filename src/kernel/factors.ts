/**
 * The per-layer factors of the structured kernel: one forward pass and one
 * backward pass per output (model/forward.ts), then each layer with
 * parameters turns what it kept and its output gradients into its kernel
 * term (layers/: for dense, its inputs a_{l−1} and gradients g_l = ∂f/∂z_l).
 * O(n·o·Σ cost of each layer).
 */
import { kindOf, type KernelTerm } from '../layers';
import type { Linalg } from '../linalg/types';
import { backward, forward } from '../model/forward';
import { outputDimOf, trainableLayers, type Network } from '../model/network';
import { samplesView, type MatrixView, type Samples } from '../types';

export interface Factors {
  count: number;
  /** One term per layer with parameters, in layer order; the network's output layer (gradients e_k) has gradients null. */
  terms: KernelTerm[];
}

export function layerFactors(network: Network, x: Samples, linalg: Linalg): Factors {
  const n = x.count;
  const outputs = outputDimOf(network);
  const pass = forward(network, samplesView(x), linalg);
  const last = network.layers.length - 1;
  const trainable = trainableLayers(network);
  const deltas = new Map<number, MatrixView[]>(trainable.map((l) => [l, []]));
  const needsGradients = trainable.some((l) => l !== last);
  for (let k = 0; k < outputs && needsGradients; k++) {
    // δ at the output = e_k for every sample: the backward pass gives each layer's output gradient for output k.
    const upstream = { data: new Float32Array(n * outputs), rows: n, cols: outputs };
    for (let i = 0; i < n; i++) upstream.data[i * outputs + k] = 1;
    const perLayer = backward(network, pass, upstream, linalg, true, k === outputs - 1);
    for (const l of trainable) if (l !== last) deltas.get(l)!.push(perLayer[l]!);
  }
  const terms = trainable.flatMap((l) => {
    const layer = network.layers[l];
    return kindOf(layer).kernelTerm!(layer, pass.layers[l], l === last ? null : deltas.get(l)!, outputs, linalg);
  });
  return { count: n, terms };
}
