/**
 * The infinite-width kernels of the MLP in NTK parameterization.
 *
 * With neural-tangents' conventions (`stax.Dense(parameterization='ntk')`,
 * Jacot et al. 2018; Lee et al. 2019), a dense layer maps the NNGP kernel Σ to
 * σ_w²·Σ + σ_b² and the NTK Θ to Σ_new + σ_w²·Θ; the first one sees
 * Σ⁰ = x·x'/d (and Θ⁰ = 0). Between dense layers the activation φ maps
 *   Σ ↦ T(Σ) = E[φ(u)φ(v)],  Θ ↦ T'(Σ)·Θ with T'(Σ) = E[φ'(u)φ'(v)],
 * (u, v) ~ N(0, [[Σ(x,x), Σ(x,x')], [Σ(x,x'), Σ(x',x')]]): each activation's
 * closed form, or quadrature (activations/). O(n·m·(d + depth)) with closed
 * forms; O(n·m·depth·q²) by quadrature, q nodes per axis.
 *
 * These are the kernels of one output; `trace: 'sum'` multiplies them by the
 * number of outputs, as the empirical kernel sums over its outputs.
 */
import { activation, dualMap, type DualMap, type QuadratureOptions } from '../activations';
import type { MlpShape } from '../model/mlp';
import type { Samples } from '../types';
import { traceScale, type Trace } from './trace';

export const KERNEL_KINDS = ['ntk', 'nngp'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

/** The network's shape (hidden width infinite), with σ_w and σ_b required. */
export interface AnalyticSpec extends Pick<MlpShape, 'inputDim' | 'depth' | 'outputDim'> {
  activation: string;
  sigmaW: number;
  sigmaB: number;
  trace?: Trace;
  /** For activations without a closed form (activations/quadrature.ts). */
  quadrature?: QuadratureOptions;
}

export class AnalyticKernelError extends Error {}

function dot(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
  return s;
}

/** Σ_l(x, x) for every sample and every layer l = 0 … depth (row l of the result), which each pair's recursion needs. */
function diagonals(spec: AnalyticSpec, samples: Samples, dual: DualMap): Float64Array[] {
  const w2 = spec.sigmaW ** 2;
  const b2 = spec.sigmaB ** 2;
  const d = spec.inputDim;
  const maps = new Float64Array(2);
  const layers = [Float64Array.from({ length: samples.count }, (_, i) => (w2 * dot(samples.values, i, samples.values, i, d)) / d + b2)];
  for (let l = 0; l < spec.depth; l++) {
    layers.push(
      layers[l].map((v) => {
        dual(v, v, v, maps);
        return w2 * maps[0] + b2;
      }),
    );
  }
  return layers;
}

export interface AnalyticPlan {
  spec: AnalyticSpec;
  x: Samples;
  y: Samples | null;
  /** Σ_l on the diagonal of X (and Y) per layer. */
  dx: Float64Array[];
  dy: Float64Array[];
}

/** What every row of the kernel needs: the spec, the inputs, and the diagonals. O(n·depth) dual evaluations. */
export function analyticPlan(spec: AnalyticSpec, x: Samples, y: Samples | null): AnalyticPlan {
  const d = spec.inputDim;
  if (x.dim !== d || (y && y.dim !== d)) throw new AnalyticKernelError(`inputs of dimension ${x.dim} for a network that takes ${d}`);
  const dual = dualMap(activation(spec.activation), spec.quadrature);
  const dx = diagonals(spec, x, dual);
  return { spec, x, y, dx, dy: y ? diagonals(spec, y, dual) : dx };
}

/**
 * Rows [r0, r1) of Σ and Θ for one output, into `nngp` and `ntk` (row-major, m
 * columns, row r0 first). Each pair runs through the layers on its own, with
 * the diagonals of the plan; with Y = X only the pairs j ≥ i are computed
 * (the caller mirrors them).
 */
export function analyticRows(plan: AnalyticPlan, r0: number, r1: number, nngp: Float64Array, ntk: Float64Array): void {
  const { spec, x, y, dx, dy } = plan;
  const other = y ?? x;
  const d = spec.inputDim;
  const m = other.count;
  const w2 = spec.sigmaW ** 2;
  const b2 = spec.sigmaB ** 2;
  const dual = dualMap(activation(spec.activation), spec.quadrature);
  const maps = new Float64Array(2);
  for (let i = r0; i < r1; i++) {
    for (let j = y ? 0 : i; j < m; j++) {
      // First dense layer: Σ = σ_w²·x·x'/d + σ_b², Θ = Σ; then each hidden layer's maps and the next dense layer.
      let sigma = (w2 * dot(x.values, i, other.values, j, d)) / d + b2;
      let theta = sigma;
      for (let l = 0; l < spec.depth; l++) {
        dual(dx[l][i], dy[l][j], sigma, maps);
        sigma = w2 * maps[0] + b2;
        theta = sigma + w2 * maps[1] * theta;
      }
      const k = (i - r0) * m + j;
      nngp[k] = sigma;
      ntk[k] = theta;
    }
  }
}

/** The traced or whole kernel from the per-output Σ and Θ: × o for 'sum', ⊗ I_o for 'none'. */
export function finishAnalytic(spec: AnalyticSpec, kernels: { nngp: Float64Array; ntk: Float64Array }, n: number, m: number): { nngp: Float64Array; ntk: Float64Array } {
  const { nngp: sigma, ntk: theta } = kernels;
  if (spec.trace === 'none') return { nngp: timesIdentity(sigma, n, m, spec.outputDim), ntk: timesIdentity(theta, n, m, spec.outputDim) };
  const scale = traceScale(spec.trace ?? 'sum', spec.outputDim) * spec.outputDim;
  if (scale !== 1) {
    for (let k = 0; k < n * m; k++) {
      sigma[k] *= scale;
      theta[k] *= scale;
    }
  }
  return { nngp: sigma, ntk: theta };
}

/** Mirror the computed upper triangle of a symmetric n × n matrix. */
export function mirrorUpper(a: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
}

/** Σ and Θ of the network's output for every pair (x_i, y_j), row-major [n, m] ([n·o, m·o] with trace 'none'), in float64. */
export function analyticKernels(spec: AnalyticSpec, x: Samples, y: Samples | null = null): { nngp: Float64Array; ntk: Float64Array } {
  const plan = analyticPlan(spec, x, y);
  const n = x.count;
  const m = y ? y.count : n;
  const nngp = new Float64Array(n * m);
  const ntk = new Float64Array(n * m);
  analyticRows(plan, 0, n, nngp, ntk);
  if (!y) {
    mirrorUpper(nngp, n);
    mirrorUpper(ntk, n);
  }
  return finishAnalytic(spec, { nngp, ntk }, n, m);
}

/**
 * K ⊗ I_o, row i·o + a: the whole kernel over outputs at infinite width, where
 * different outputs are independent (their off-diagonal blocks vanish).
 */
function timesIdentity(k: Float64Array, n: number, m: number, o: number): Float64Array {
  if (o === 1) return k;
  const cols = m * o;
  const out = new Float64Array(n * o * cols);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let a = 0; a < o; a++) out[(i * o + a) * cols + j * o + a] = k[i * m + j];
  return out;
}
