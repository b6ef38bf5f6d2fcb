/**
 * The infinite-width kernels of the MLP in NTK parameterization.
 *
 * With neural-tangents' conventions (`stax.Dense(parameterization='ntk')`,
 * Jacot et al. 2018; Lee et al. 2019), a dense layer maps the NNGP kernel Σ to
 * σ_w²·Σ + σ_b² and the NTK Θ to Σ_new + σ_w²·Θ; the first one sees
 * Σ⁰ = x·x'/d (and Θ⁰ = 0). Between dense layers the activation φ maps
 *   Σ ↦ T(Σ) = E[φ(u)φ(v)],  Θ ↦ T'(Σ)·Θ with T'(Σ) = E[φ'(u)φ'(v)],
 * (u, v) ~ N(0, [[Σ(x,x), Σ(x,x')], [Σ(x,x'), Σ(x',x')]]): each activation's
 * `dual` (activations/). O(n·m·(d + depth)).
 *
 * These are the kernels of one output; `trace: 'sum'` multiplies them by the
 * number of outputs, as the empirical kernel sums over its outputs.
 */
import { activation } from '../activations';
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
}

export class AnalyticKernelError extends Error {}

function dot(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
  return s;
}

/** Σ and Θ of the network's output for every pair (x_i, y_j), row-major [n, m], in float64. */
export function analyticKernels(spec: AnalyticSpec, x: Samples, y: Samples | null = null): { nngp: Float64Array; ntk: Float64Array } {
  const other = y ?? x;
  const d = spec.inputDim;
  const n = x.count;
  const m = other.count;
  const w2 = spec.sigmaW ** 2;
  const b2 = spec.sigmaB ** 2;
  const dual = activation(spec.activation).dual;
  if (!dual) throw new AnalyticKernelError(`no infinite-width kernel for activation '${spec.activation}'`);
  if (x.dim !== d || (y && y.dim !== d)) throw new AnalyticKernelError(`inputs of dimension ${x.dim} for a network that takes ${d}`);
  const maps = new Float64Array(2);
  // First dense layer: Σ = σ_w²·x·x'/d + σ_b², Θ = Σ.
  let sx = Float64Array.from({ length: n }, (_, i) => (w2 * dot(x.values, i, x.values, i, d)) / d + b2);
  let sy = y ? Float64Array.from({ length: m }, (_, j) => (w2 * dot(other.values, j, other.values, j, d)) / d + b2) : sx;
  const sigma = new Float64Array(n * m);
  const theta = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) sigma[i * m + j] = (w2 * dot(x.values, i, other.values, j, d)) / d + b2;
  }
  theta.set(sigma);
  // Each hidden layer: the activation's maps, then the next dense layer.
  for (let l = 0; l < spec.depth; l++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const k = i * m + j;
        dual(sx[i], sy[j], sigma[k], maps);
        sigma[k] = w2 * maps[0] + b2;
        theta[k] = sigma[k] + w2 * maps[1] * theta[k];
      }
    }
    const nextDiagonal = (s: Float64Array) =>
      s.map((v) => {
        dual(v, v, v, maps);
        return w2 * maps[0] + b2;
      });
    const nextSx = nextDiagonal(sx);
    sy = y ? nextDiagonal(sy) : nextSx;
    sx = nextSx;
  }
  const scale = traceScale(spec.trace ?? 'sum', spec.outputDim) * spec.outputDim;
  if (scale !== 1) {
    for (let k = 0; k < n * m; k++) {
      sigma[k] *= scale;
      theta[k] *= scale;
    }
  }
  return { nngp: sigma, ntk: theta };
}
