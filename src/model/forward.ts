/**
 * A network's forward and backward passes on a batch of rows, layer by layer
 * (each kind's own passes, layers/): the one implementation that the
 * structured kernel's factors, gradient-descent training and predictions
 * share. Costs: O(n·Σ cost of each layer) for each pass.
 */
import { kindOf, type Forwarded } from '../layers';
import { floatArray } from '../linalg/memory';
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
  network.layers.forEach((layer) => {
    // The network's input is the caller's; a later input is this pass's own to overwrite unless a layer
    // handed its input on as its output (flatten), which leaves it the caller's.
    const saved = kindOf(layer).forward(layer, a, linalg, a.data !== x.data);
    layers.push(saved);
    a = saved.output;
  });
  return { layers, output: a };
}

/**
 * ∂L/∂(output of layer l) for every layer with parameters (null for the
 * others), given δ at the network's output (`upstream`, n × outputs, which
 * the pass may overwrite). Stops at the first layer with parameters: nothing
 * before it needs a gradient. `uniform`: every row of `upstream` is the same
 * (e_k, for the kernel's factors); through the layers whose backward pass is
 * one linear map for every sample (fixedBackward) it is then computed on one
 * row, as far as the first activation — for a CNN whose last convolution
 * feeds a linear readout, that whole convolution's backward pass — and the δ
 * of a layer with parameters there is kept as that one row. `lastRead`: no
 * later backward pass reads `pass`, so a layer may write its result into
 * storage it kept only for the backward pass (an activation's φ′; kernel
 * terms read the layers' inputs, never that).
 */
export function backward(network: Network, pass: ForwardPass, upstream: MatrixView, linalg: Linalg, uniform = false, lastRead = false): (MatrixView | null)[] {
  const count = network.layers.length;
  const n = upstream.rows;
  const deltas: (MatrixView | null)[] = new Array(count).fill(null);
  const first = network.layers.findIndex((layer) => kindOf(layer).trainable);
  let oneRow = uniform && n > 1;
  let delta = oneRow ? { data: upstream.data.slice(0, upstream.cols), rows: 1, cols: upstream.cols } : upstream;
  for (let l = count - 1; l >= Math.max(first, 0); l--) {
    const layer = network.layers[l];
    const kind = kindOf(layer);
    if (oneRow && !kind.fixedBackward && !kind.broadcastsDelta) {
      delta = everyRow(delta, n);
      oneRow = false;
    }
    if (kind.trainable) deltas[l] = delta;
    if (l === first) break;
    // A trainable layer's δ is kept (its kernel term and gradient read it): only others' may be overwritten.
    delta = kind.backward(layer, pass.layers[l], delta, linalg, !kind.trainable, lastRead);
    if (oneRow && !kind.fixedBackward) oneRow = false;
  }
  return deltas;
}

/** One row repeated n times. */
function everyRow(row: MatrixView, n: number): MatrixView {
  const data = floatArray(n * row.cols);
  for (let i = 0; i < n; i++) data.set(row.data.subarray(0, row.cols), i * row.cols);
  return { data, rows: n, cols: row.cols };
}
