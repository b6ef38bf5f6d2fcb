/**
 * The infinite-width kernels of a network in NTK parameterization, layer by
 * layer (each kind's map, layers/), in neural-tangents' conventions (Jacot et
 * al. 2018; Lee et al. 2019): the inputs enter as Σ⁰ = x·x′/d (the mean over
 * the input's values) and Θ⁰ = 0; a dense layer maps Σ ↦ σ_w²·Σ + σ_b² and
 * Θ ↦ σ_w²·Θ + Σ_new; an activation maps Σ ↦ E[φ(u)φ(v)] and
 * Θ ↦ E[φ′(u)φ′(v)]·Θ for (u, v) ~ N(0, [[Σ(x,x), Σ(x,x′)], [Σ(x,x′), Σ(x′,x′)]]),
 * each activation's closed form or quadrature (activations/). Each input's
 * own Σ(x, x) at every layer is computed once (O(n·depth) maps), then every
 * pair runs through the layers on its own: O(n·m·(d + depth)) with closed
 * forms, O(n·m·depth·q²) by quadrature, q nodes per axis.
 *
 * These are the kernels of one output; `trace: 'sum'` multiplies them by the
 * number of outputs, as the empirical kernel sums over its outputs.
 */
import { activation, type QuadratureOptions } from '../activations';
import { kindOf, type InfiniteOptions, type RowKernels } from '../layers';
import { mlpArchitecture, outputCount, resolveLayers, type Architecture } from '../model/architecture';
import type { MlpShape } from '../model/mlp';
import type { Samples } from '../types';
import { traceScale, type Trace } from './trace';

export const KERNEL_KINDS = ['ntk', 'nngp'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

/** The MLP shorthand of an infinite-width network (hidden width infinite), with σ_w and σ_b required. */
export interface AnalyticSpec extends Pick<MlpShape, 'inputDim' | 'depth' | 'outputDim'> {
  activation: string;
  sigmaW: number;
  sigmaB: number;
  trace?: Trace;
  /** For activations without a closed form (activations/quadrature.ts). */
  quadrature?: QuadratureOptions;
}

/** An infinite-width network: its architecture, σ_w and σ_b, the trace and the quadrature rule. */
export interface InfiniteSpec {
  architecture: Architecture;
  sigmaW: number;
  sigmaB: number;
  trace?: Trace;
  quadrature?: QuadratureOptions;
}

export class AnalyticKernelError extends Error {}

export function infiniteSpecOf(spec: AnalyticSpec): InfiniteSpec {
  return {
    architecture: mlpArchitecture(spec.inputDim, spec.depth, spec.outputDim, spec.activation),
    sigmaW: spec.sigmaW,
    sigmaB: spec.sigmaB,
    trace: spec.trace,
    quadrature: spec.quadrature,
  };
}

function dot(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
  return s;
}

type RowMap = (row: RowKernels) => void;

/** Each layer's map of a row of kernels, built once (dual maps and quadrature tables). */
function layerMaps(spec: InfiniteSpec): RowMap[] {
  const options: InfiniteOptions = { sigmaW: spec.sigmaW, sigmaB: spec.sigmaB, quadrature: spec.quadrature };
  return resolveLayers(spec.architecture, 1).map((layer) => {
    const map = kindOf(layer).infinite?.(layer, options);
    if (!map) throw new AnalyticKernelError(`${kindOf(layer).describe(layer)} has no infinite-width limit`);
    return map;
  });
}

/** Σ(x, x) before every layer l (row l), for every sample: what each pair's activations need. */
function diagonals(maps: RowMap[], samples: Samples): Float64Array[] {
  const d = samples.dim;
  const rows = maps.map(() => new Float64Array(samples.count));
  const self: RowKernels = { count: 1, sigma: new Float64Array(1), theta: new Float64Array(1), left: 0, right: new Float64Array(1) };
  for (let i = 0; i < samples.count; i++) {
    self.sigma[0] = dot(samples.values, i, samples.values, i, d) / d;
    self.theta[0] = 0;
    maps.forEach((map, l) => {
      rows[l][i] = self.sigma[0];
      self.left = self.right[0] = self.sigma[0];
      map(self);
    });
  }
  return rows;
}

export interface AnalyticPlan {
  spec: InfiniteSpec;
  x: Samples;
  y: Samples | null;
  /** Σ(x, x) before each layer, per sample of X (and Y). */
  dx: Float64Array[];
  dy: Float64Array[];
}

/** What every row of the kernel needs: the spec, the inputs, and the diagonals. O(n·depth) maps. */
export function analyticPlan(spec: AnalyticSpec | InfiniteSpec, x: Samples, y: Samples | null): AnalyticPlan {
  const infinite = 'architecture' in spec ? spec : infiniteSpecOf(spec);
  const d = infinite.architecture.input.reduce((a, b) => a * b, 1);
  if (x.dim !== d || (y && y.dim !== d)) throw new AnalyticKernelError(`inputs of dimension ${x.dim} for a network that takes ${d}`);
  const maps = layerMaps(infinite);
  const dx = diagonals(maps, x);
  return { spec: infinite, x, y, dx, dy: y ? diagonals(maps, y) : dx };
}

/**
 * Rows [r0, r1) of Σ and Θ for one output, into `nngp` and `ntk` (row-major, m
 * columns, row r0 first). Each row runs through the layers as one vector of
 * pairs, with the diagonals of the plan; with Y = X only the pairs j ≥ i are
 * computed (the caller mirrors them).
 */
export function analyticRows(plan: AnalyticPlan, r0: number, r1: number, nngp: Float64Array, ntk: Float64Array): void {
  const { x, y, dx, dy } = plan;
  const other = y ?? x;
  const d = x.dim;
  const m = other.count;
  const maps = layerMaps(plan.spec);
  for (let i = r0; i < r1; i++) {
    const first = y ? 0 : i;
    const count = m - first;
    const k = (i - r0) * m + first;
    // The row's Σ and Θ are computed where they end up: the output's own row.
    const row: RowKernels = { count, sigma: nngp.subarray(k, k + count), theta: ntk.subarray(k, k + count), left: 0, right: new Float64Array(0) };
    for (let j = 0; j < count; j++) {
      row.sigma[j] = dot(x.values, i, other.values, first + j, d) / d;
      row.theta[j] = 0;
    }
    maps.forEach((map, l) => {
      row.left = dx[l][i];
      row.right = dy[l].subarray(first, m);
      map(row);
    });
  }
}

/** The traced or whole kernel from the per-output Σ and Θ: × o for 'sum', ⊗ I_o for 'none'. */
export function finishAnalytic(spec: AnalyticSpec | InfiniteSpec, kernels: { nngp: Float64Array; ntk: Float64Array }, n: number, m: number): { nngp: Float64Array; ntk: Float64Array } {
  const { nngp: sigma, ntk: theta } = kernels;
  const outputs = 'architecture' in spec ? outputCount(spec.architecture) : spec.outputDim;
  if (spec.trace === 'none') return { nngp: timesIdentity(sigma, n, m, outputs), ntk: timesIdentity(theta, n, m, outputs) };
  const scale = traceScale(spec.trace ?? 'sum', outputs) * outputs;
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
export function analyticKernels(spec: AnalyticSpec | InfiniteSpec, x: Samples, y: Samples | null = null): { nngp: Float64Array; ntk: Float64Array } {
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
  return finishAnalytic(plan.spec, { nngp, ntk }, n, m);
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

/** Whether every activation of the network has a closed form (else quadrature: worth worker threads). */
export function closedForm(spec: InfiniteSpec): boolean {
  return spec.architecture.layers.every((entry) => entry.kind !== 'activation' || activation(entry.name).closedForm !== null);
}
