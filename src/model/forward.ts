/**
 * A network's forward and backward passes on a batch of rows, layer by layer
 * (each kind's own passes, layers/): the one implementation that the
 * structured kernel's factors, gradient-descent training and predictions
 * share. Costs: O(n·Σ cost of each layer) for each pass.
 */
import { kindOf, type Forwarded } from '../layers';
import type { Linalg, MatrixView } from '../linalg/types';
import type { Network } from './network';

export interface ForwardPass {
  /** What each layer kept for the backward pass and its kernel term, in order. */
  layers: Forwarded[];
  /** f(x), [n × outputs]. */
  output: MatrixView;
}

export function forward(network: Network, x: MatrixView, linalg: Linalg): ForwardPass {
  const layers: Forwarded[] = [];
  let a = x;
  network.layers.forEach((layer, l) => {
    // The network's input is the caller's; every later input is this pass's own to overwrite.
    const saved = kindOf(layer).forward(layer, a, linalg, l > 0);
    layers.push(saved);
    a = saved.output;
  });
  return { layers, output: a };
}

/**
 * ∂L/∂(output of layer l) for every layer with parameters (null for the
 * others), given δ at the network's output (`upstream`, n × outputs, which
 * the pass may overwrite). Stops at the first layer with parameters: nothing
 * before it needs a gradient.
 */
export function backward(network: Network, pass: ForwardPass, upstream: MatrixView, linalg: Linalg): (MatrixView | null)[] {
  const count = network.layers.length;
  const deltas: (MatrixView | null)[] = new Array(count).fill(null);
  const first = network.layers.findIndex((layer) => kindOf(layer).trainable);
  let delta = upstream;
  for (let l = count - 1; l >= Math.max(first, 0); l--) {
    const layer = network.layers[l];
    const kind = kindOf(layer);
    if (kind.trainable) deltas[l] = delta;
    if (l === first) break;
    // A trainable layer's δ is kept (its kernel term and gradient read it): only others' may be overwritten.
    delta = kind.backward(layer, pass.layers[l], delta, linalg, !kind.trainable);
  }
  return deltas;
}
