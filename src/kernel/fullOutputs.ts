/**
 * The whole empirical kernel over outputs (`--trace none`), from the same
 * factors as structuredKernel: with G_l viewed as (n·o) × out_l rows (row
 * i·o + a is g_l^a(x_i): the side-by-side layout read row by row),
 *   Θ[(i,a), (j,b)] = Σ_{l hidden} (s_w²·a_{l−1}(x_i)·a_{l−1}(y_j) + s_b²)·g_l^a(x_i)·g_l^b(y_j)
 *                     + δ_ab·(s_w²·a_{L−1}(x_i)·a_{L−1}(y_j) + s_b²),
 * since the last layer's gradient is e_a. In memory, O((n·o)·(m·o)).
 */
import type { Linalg } from '../linalg/types';
import { floatArray } from '../linalg/memory';
import { outputDimOf, type Mlp } from '../model/mlp';
import type { MatrixView, Samples } from '../types';
import { layerFactors } from './factors';

/** s_w²·A_X·A_Yᵀ + s_b² for one layer, n × m. */
function inputTerm(a: MatrixView, b: MatrixView, s2: number, b2: number, linalg: Linalg): Float32Array {
  const out = { data: floatArray(a.rows * b.rows), rows: a.rows, cols: b.rows };
  linalg.gemm(s2, a, false, b, true, 0, out);
  if (b2 !== 0) for (let k = 0; k < out.data.length; k++) out.data[k] += b2;
  return out.data;
}

export function fullOutputKernel(model: Mlp, x: Samples, y: Samples | null, linalg: Linalg): Float32Array {
  const o = outputDimOf(model);
  const fx = layerFactors(model, x, linalg);
  const fy = y ? layerFactors(model, y, linalg) : fx;
  const n = x.count;
  const m = fy.count;
  const cols = m * o;
  const kernel = floatArray(n * o * cols);
  const last = model.layers.length - 1;
  const q = { data: floatArray(n * o * cols), rows: n * o, cols };
  for (let l = 0; l < last; l++) {
    const layer = model.layers[l];
    const p = inputTerm(fx.inputs[l], fy.inputs[l], layer.weightScale ** 2, layer.bias ? layer.biasScale ** 2 : 0, linalg);
    const width = layer.outDim;
    const gx = { data: fx.gradients[l]!.data, rows: n * o, cols: width };
    const gy = { data: fy.gradients[l]!.data, rows: m * o, cols: width };
    linalg.gemm(1, gx, false, gy, true, 0, q);
    for (let r = 0; r < n * o; r++) {
      const i = Math.floor(r / o);
      for (let c = 0; c < cols; c++) kernel[r * cols + c] += p[i * m + Math.floor(c / o)] * q.data[r * cols + c];
    }
  }
  const lastLayer = model.layers[last];
  const p = inputTerm(fx.inputs[last], fy.inputs[last], lastLayer.weightScale ** 2, lastLayer.bias ? lastLayer.biasScale ** 2 : 0, linalg);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let a = 0; a < o; a++) kernel[(i * o + a) * cols + j * o + a] += p[i * m + j];
  return kernel;
}
