/**
 * The network's forward and backward passes on a Linalg: the one
 * implementation that the structured kernel's factors and gradient-descent
 * training share. For layer l,
 *   z_l = s_w·a_{l−1}·W_lᵀ + s_b·b_l,   a_l = φ(z_l)   (no φ after the last layer),
 * and for an upstream gradient δ_L = ∂L/∂z_L (n × outputs),
 *   δ_{l−1} = s_w·(δ_l·W_l) ⊙ φ′(z_{l−1}),
 *   ∂L/∂W_l = s_w·δ_lᵀ·a_{l−1},   ∂L/∂b_l = s_b·Σ_i δ_l(x_i).
 * Costs: O(n·Σ in_l·out_l) for each pass.
 */
import { activation } from '../activations';
import { floatArray } from '../linalg/memory';
import type { Linalg, MatrixView } from '../linalg/types';
import type { DenseLayer, Mlp } from './mlp';

export interface ForwardPass {
  /** a_{l−1} for every layer l: inputs[0] is x, [n × in_l]. */
  inputs: MatrixView[];
  /** φ′(z_l) for every hidden layer l, [n × out_l]. */
  derivatives: Float32Array[];
  /** f(x), [n × outputs]. */
  output: MatrixView;
}

function matrix(rows: number, cols: number): MatrixView {
  return { data: floatArray(rows * cols), rows, cols };
}

function weightView(layer: DenseLayer): MatrixView {
  return { data: layer.weight, rows: layer.outDim, cols: layer.inDim };
}

/** z = s_w·a·Wᵀ + s_b·b, in float32. */
function denseLayer(layer: DenseLayer, a: MatrixView, linalg: Linalg): MatrixView {
  const z = matrix(a.rows, layer.outDim);
  linalg.gemm(layer.weightScale, a, false, weightView(layer), true, 0, z);
  if (layer.bias) {
    const bias = layer.bias.map((b) => b * layer.biasScale);
    for (let i = 0; i < z.rows; i++) {
      const row = i * z.cols;
      for (let j = 0; j < z.cols; j++) z.data[row + j] += bias[j];
    }
  }
  return z;
}

export function forward(model: Mlp, x: MatrixView, linalg: Linalg): ForwardPass {
  const { phi, dphi } = activation(model.activation);
  const inputs: MatrixView[] = [];
  const derivatives: Float32Array[] = [];
  let a = x;
  const last = model.layers.length - 1;
  model.layers.forEach((layer, l) => {
    inputs.push(a);
    const z = denseLayer(layer, a, linalg);
    if (l === last) {
      a = z;
      return;
    }
    // a_l = φ(z_l); z_l's storage is then reused for φ′(z_l), all the backward pass needs of it.
    const next = matrix(z.rows, z.cols);
    const values = z.data;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      next.data[i] = phi(v);
      values[i] = dphi(v);
    }
    derivatives.push(values);
    a = next;
  });
  return { inputs, derivatives, output: a };
}

/**
 * δ_l = ∂L/∂z_l for every layer, given δ for the last one (`upstream`,
 * n × outputs). Returns them in layer order; the last is `upstream` itself.
 */
export function backward(model: Mlp, pass: ForwardPass, upstream: MatrixView, linalg: Linalg): MatrixView[] {
  const deltas: MatrixView[] = new Array(model.layers.length);
  let delta = upstream;
  deltas[model.layers.length - 1] = delta;
  for (let l = model.layers.length - 1; l > 0; l--) {
    const layer = model.layers[l];
    const previous = matrix(delta.rows, layer.inDim);
    linalg.gemm(layer.weightScale, delta, false, weightView(layer), false, 0, previous);
    const d = pass.derivatives[l - 1];
    for (let i = 0; i < d.length; i++) previous.data[i] *= d[i];
    deltas[l - 1] = previous;
    delta = previous;
  }
  return deltas;
}
