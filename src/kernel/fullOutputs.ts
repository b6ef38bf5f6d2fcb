/**
 * The whole empirical kernel over outputs (`--trace none`), from the same
 * factors as structuredKernel: with a product term's G viewed as (n·o) × out
 * rows (row i·o + a is g^a(x_i): the side-by-side layout read row by row),
 *   Θ[(i,a), (j,b)] = Σ_{hidden products} (s_w²·a(x_i)·a(y_j) + s_b²)·g^a(x_i)·g^b(y_j)
 *                     + Σ_{gram terms} J^a(x_i)·J^b(y_j)
 *                     + δ_ab·(s_w²·a_L(x_i)·a_L(y_j) + s_b²)   (the output layer, g = e_a).
 * In memory, O((n·o)·(m·o)).
 */
import type { KernelTerm } from '../layers';
import type { Linalg } from '../linalg/types';
import { floatArray } from '../linalg/memory';
import { outputDimOf, type Network } from '../model/network';
import type { MatrixView, Samples } from '../types';
import { layerFactors } from './factors';

/** s_w²·A_X·A_Yᵀ + s_b² for one product term, n × m. */
function inputTerm(a: MatrixView, b: MatrixView, s2: number, b2: number, linalg: Linalg): Float32Array {
  const out = { data: floatArray(a.rows * b.rows), rows: a.rows, cols: b.rows };
  linalg.gemm(s2, a, false, b, true, 0, out);
  if (b2 !== 0) for (let k = 0; k < out.data.length; k++) out.data[k] += b2;
  return out.data;
}

/** A factor of n rows with o outputs side by side, read as (n·o) rows of cols/o. */
function perOutputRows(m: MatrixView, o: number): MatrixView {
  return { data: m.data, rows: m.rows * o, cols: m.cols / o };
}

export function fullOutputKernel(model: Network, x: Samples, y: Samples | null, linalg: Linalg): Float32Array {
  const o = outputDimOf(model);
  const fx = layerFactors(model, x, linalg);
  const fy = y ? layerFactors(model, y, linalg) : fx;
  const n = x.count;
  const m = fy.count;
  const cols = m * o;
  const kernel = floatArray(n * o * cols);
  const q = { data: floatArray(n * o * cols), rows: n * o, cols };
  const outputTerms: [KernelTerm, KernelTerm][] = [];
  fx.terms.forEach((term, k) => {
    const other = fy.terms[k];
    if (term.kind === 'gram' && other.kind === 'gram') {
      linalg.gemm(1, perOutputRows(term.jacobian, o), false, perOutputRows(other.jacobian, o), true, 1, { data: kernel, rows: n * o, cols });
      return;
    }
    if (term.kind !== 'product' || other.kind !== 'product') return;
    if (term.gradients === null) {
      outputTerms.push([term, other]);
      return;
    }
    const p = inputTerm(term.inputs, other.inputs, term.weightScale2, term.bias2, linalg);
    linalg.gemm(1, perOutputRows(term.gradients, o), false, perOutputRows(other.gradients!, o), true, 0, q);
    for (let r = 0; r < n * o; r++) {
      const i = Math.floor(r / o);
      for (let c = 0; c < cols; c++) kernel[r * cols + c] += p[i * m + Math.floor(c / o)] * q.data[r * cols + c];
    }
  });
  for (const [term, other] of outputTerms) {
    if (term.kind !== 'product' || other.kind !== 'product') continue;
    const p = inputTerm(term.inputs, other.inputs, term.weightScale2, term.bias2, linalg);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let a = 0; a < o; a++) kernel[(i * o + a) * cols + j * o + a] += p[i * m + j];
  }
  return kernel;
}
