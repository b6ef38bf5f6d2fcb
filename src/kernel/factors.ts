/**
 * The per-layer factors of the structured kernel: every sample's layer inputs
 * a_{l−1} and pre-activation gradients g_l = ∂f/∂z_l, from one forward pass
 * and one backward pass per output (model/forward.ts). O(n·o·Σ in_l·out_l).
 */
import { floatArray } from '../linalg/memory';
import type { Linalg } from '../linalg/types';
import { backward, forward } from '../model/forward';
import { outputDimOf, type Mlp } from '../model/mlp';
import { samplesView, type MatrixView, type Samples } from '../types';

export interface Factors {
  count: number;
  /** a_{l−1} per layer, [count × in_l]. */
  inputs: MatrixView[];
  /**
   * g_l of every output side by side per layer, [count × outputs·out_l]
   * (column k·out_l + j holds output k); null for the last layer, whose
   * gradient ∂f_k/∂z_L = e_k is the same for every input.
   */
  gradients: (MatrixView | null)[];
}

export function layerFactors(model: Mlp, x: Samples, linalg: Linalg): Factors {
  const n = x.count;
  const outputs = outputDimOf(model);
  const pass = forward(model, samplesView(x), linalg);
  const hidden = model.layers.length - 1;
  const upstream = (k: number) => {
    // δ_L = e_k for every sample: backward gives g_l of output k.
    const matrix = { data: new Float32Array(n * outputs), rows: n, cols: outputs };
    for (let i = 0; i < n; i++) matrix.data[i * outputs + k] = 1;
    return matrix;
  };
  if (outputs === 1) {
    const deltas = backward(model, pass, upstream(0), linalg);
    return { count: n, inputs: pass.inputs, gradients: deltas.map((delta, l) => (l < hidden ? delta : null)) };
  }
  const gradients: (MatrixView | null)[] = model.layers.map((layer, l) =>
    l < hidden ? { data: floatArray(n * outputs * layer.outDim), rows: n, cols: outputs * layer.outDim } : null,
  );
  for (let k = 0; k < outputs; k++) {
    const deltas = backward(model, pass, upstream(k), linalg);
    for (let l = 0; l < hidden; l++) {
      const target = gradients[l]!;
      const width = model.layers[l].outDim;
      const delta = deltas[l].data;
      for (let i = 0; i < n; i++) target.data.set(delta.subarray(i * width, (i + 1) * width), i * target.cols + k * width);
    }
  }
  return { count: n, inputs: pass.inputs, gradients };
}
