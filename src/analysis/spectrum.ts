/**
 * What a kernel's spectrum says, as numbers:
 *   effective rank  exp(−Σ pᵢ log pᵢ), pᵢ = λᵢ/Σλ over the positive eigenvalues
 *                   (Roy & Vetterli 2007);
 *   floor           n·ε·λ_max, ε the machine epsilon of the kernel's float type
 *                   (2⁻²³ for float32, 2⁻⁵² for float64): rounding the kernel
 *                   moves every eigenvalue by up to ‖ΔK‖₂ ≤ n·ε·λ_max, so
 *                   eigenvalues below it are noise, not spectrum;
 *   numerical rank  the eigenvalues above the floor;
 *   negative        eigenvalues below −floor: a kernel that is not positive
 *                   semi-definite beyond rounding;
 *   condition       λ_max/λ_min, +∞ for a singular matrix (λ_min ≤ 0);
 *   learning rate   2·m/λ_max, the largest rate at which full-batch gradient
 *                   descent on ½·(1/n)·Σᵢ‖f(xᵢ) − yᵢ‖² stays stable in the
 *                   NTK regime (neural-tangents' predict.max_learning_rate),
 *                   m the number of targets (n·outputs) or n without targets;
 *                   +∞ for a zero kernel (nothing moves), 0 when λ_max < 0
 *                   (every positive rate diverges);
 *   target energy   Σ_{j≤i} ‖v_jᵀY‖² / ‖Y‖²_F: how much of the targets the top
 *                   i eigendirections hold (Kopitkov & Indelman, "Neural
 *                   Spectrum Alignment").
 * The eigenvalues come from a full decomposition (linalg/eigen.ts, O(n³)) or,
 * for the top k only, block Krylov iteration (linalg/topEigen.ts, O(n²·k) per
 * iteration); quantities that need every eigenvalue are null for the latter.
 */
import type { Trace } from '../kernel/trace';
import { symmetricEigen } from '../linalg/eigen';
import { floatArray } from '../linalg/memory';
import { denseOperator, krylovFits, topEigen, type SymmetricOperator } from '../linalg/topEigen';
import { formatFloat32 } from '../io/csv';
import type { Linalg } from '../linalg/types';

const FLOAT32_EPSILON = 2 ** -23;
const FLOAT64_EPSILON = 2 ** -52;
/**
 * The relative accuracy of an infinite-width kernel computed by quadrature, entry by entry: the
 * bound test/activations.test.ts holds the adaptive rule to against a fixed 1001-node rule, for
 * every activation without a closed form at depth 6 (README: 1.1e-9 measured against a 2001-node
 * rule at depths 2 and 8).
 */
const QUADRATURE_EPSILON = 1e-8;

/** How accurate a kernel's values are: its float type's rounding, or a quadrature's error. */
export type Precision = 'float32' | 'float64' | 'quadrature';

/** ε of the floor n·ε·λ_max: entries accurate to ε·max|K| perturb the eigenvalues by at most n·ε·λ_max. */
export function precisionEpsilon(precision: Precision): number {
  return precision === 'float32' ? FLOAT32_EPSILON : precision === 'float64' ? FLOAT64_EPSILON : QUADRATURE_EPSILON;
}

/**
 * The precision of a kernel's values: float32 for float32 storage, and for
 * float64 storage whose every value is a float32 or the shortest decimal of
 * one (a float32 kernel widened, or written as text and read back); float64
 * otherwise.
 */
export function precisionOf(values: Float32Array | Float64Array): Precision {
  if (values instanceof Float32Array) return 'float32';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Math.fround(v) !== v && Number(formatFloat32(v)) !== v) return 'float64';
  }
  return 'float32';
}

/** The precision of a kernel computed here: a quadrature's where its infinite-width map was one, else its values'. */
export function kernelPrecision(result: { kernel: Float32Array | Float64Array | null; byQuadrature: boolean }): Precision {
  return result.byQuadrature ? 'quadrature' : precisionOf(result.kernel!);
}

export interface SpectrumRequest {
  /** Only the k largest eigenvalues (iteratively); default all. */
  top?: number;
  /** Keep the eigenvectors (needed for target energy). */
  vectors: boolean;
  /** Targets Y, n × outputs, row-major. */
  targets?: { values: ArrayLike<number>; cols: number };
  linalg: Linalg;
  randn: (count: number) => Float32Array;
  /** The kernel's precision (precisionOf), for the floor. */
  precision: Precision;
  /** The network's outputs and the kernel's trace over them, where the kernel was computed here (the learning-rate bound's m and scale). */
  network?: { outputs: number; trace: Trace };
}

export interface Spectrum {
  n: number;
  /** Largest first: all n, or the top k. */
  eigenvalues: Float64Array;
  /** Row-major n × (count of eigenvalues), column i the eigenvector of eigenvalues[i]; null unless asked for. */
  eigenvectors: Float64Array | null;
  complete: boolean;
  solver: string;
  /** Block Krylov only: the iterations it took (it fails rather than return unconverged values). */
  iterations: number | null;
  lambdaMax: number;
  lambdaMin: number | null;
  conditionNumber: number | null;
  effectiveRank: number | null;
  trace: number;
  /** The precision the eigenvalues were computed in: the kernel's, or float32 for the block Krylov iteration's products. */
  precision: Precision;
  /** n·ε·λ_max: eigenvalues at or below it are rounding noise. */
  floor: number;
  /** Eigenvalues above the floor (of those computed). */
  numericalRank: number;
  negativeEigenvalues: number | null;
  maxLearningRate: number;
  /** Cumulative, one per eigenvalue; null without targets. */
  targetEnergy: Float64Array | null;
}

export class SpectrumError extends Error {}

/** The largest |K_ij − K_ji| relative to the largest |K_ij| (by blocks, so K_ji is read from cache). */
export function asymmetry(matrix: ArrayLike<number>, n: number): number {
  const block = 64;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(matrix[i]));
  for (let i0 = 0; i0 < n; i0 += block) {
    for (let j0 = i0; j0 < n; j0 += block) {
      for (let i = i0; i < Math.min(n, i0 + block); i++) {
        for (let j = Math.max(j0, i + 1); j < Math.min(n, j0 + block); j++) worst = Math.max(worst, Math.abs(matrix[i * n + j] - matrix[j * n + i]));
      }
    }
  }
  return scale === 0 ? 0 : worst / scale;
}

export function effectiveRank(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > 0) total += values[i];
  if (total === 0) return 0; // no positive eigenvalue: no direction carries any of the trace
  let entropy = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] <= 0) continue;
    const p = values[i] / total;
    entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/** Σ_{j≤i} ‖v_jᵀY‖² / ‖Y‖²_F for each i, with v_j the columns of `vectors` (n × k). */
export function cumulativeTargetEnergy(vectors: Float64Array, n: number, k: number, targets: { values: ArrayLike<number>; cols: number }): Float64Array {
  const o = targets.cols;
  let total = 0;
  for (let i = 0; i < n * o; i++) total += targets.values[i] ** 2;
  const out = new Float64Array(k);
  let running = 0;
  for (let j = 0; j < k; j++) {
    for (let c = 0; c < o; c++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += vectors[r * k + j] * targets.values[r * o + c];
      running += dot * dot;
    }
    out[j] = total === 0 ? 0 : running / total;
  }
  return out;
}

/** The first k columns of a row-major n × n matrix. */
function firstColumns(m: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) out.set(m.subarray(r * n, r * n + k), r * k);
  return out;
}

/** The top k by block Krylov iteration (linalg/topEigen.ts). */
function topOf(op: SymmetricOperator, k: number, request: SpectrumRequest) {
  return topEigen(op, k, { randn: request.randn, linalgName: request.linalg.name });
}

/** The spectrum of the symmetric n × n kernel `matrix` (row-major). */
export function kernelSpectrum(matrix: Float32Array | Float64Array, n: number, request: SpectrumRequest): Spectrum {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += matrix[i * n + i];
  const wantVectors = request.vectors || request.targets !== undefined;
  const complete = request.top === undefined || request.top >= n;
  if (complete || !krylovFits(request.top!, n)) {
    // All of them; or, when k is a large share of n, the top k of all of them (cheaper and exact).
    const full = symmetricEigen(matrix, n, wantVectors);
    if (complete) return finish(n, trace, { eigenvalues: full.values, eigenvectors: full.vectors, solver: full.solver, iterations: null }, complete, request);
    const k = request.top!;
    const top = { eigenvalues: full.values.slice(0, k), eigenvectors: full.vectors ? firstColumns(full.vectors, n, k) : null, solver: `${full.solver} (the top ${k} of the full decomposition)`, iterations: null };
    return finish(n, trace, top, complete, request);
  }
  let data: Float32Array;
  if (matrix instanceof Float32Array) data = matrix;
  else {
    data = floatArray(n * n);
    data.set(matrix);
  }
  return operatorSpectrum(denseOperator({ data, rows: n, cols: n }, request.linalg), trace, { ...request, top: request.top! });
}

/**
 * The top k of a kernel given as an operator (a matrix streamed from disk by
 * rows, for one larger than memory), with its trace: block Krylov iteration.
 * Its products are float32 whatever the kernel's storage (linalg/topEigen.ts),
 * so the floor is float32's: a float64 kernel's smallest top eigenvalues are
 * not resolved below it.
 */
export function operatorSpectrum(op: SymmetricOperator, trace: number, request: SpectrumRequest & { top: number }): Spectrum {
  const top = topOf(op, request.top, request);
  return finish(op.n, trace, { eigenvalues: top.values, eigenvectors: top.vectors, solver: top.solver, iterations: top.iterations }, request.top >= op.n, { ...request, precision: 'float32' });
}

/**
 * The largest stable rate of full-batch gradient descent on ½·(1/m)·Σ(f − y)²:
 * 2m/λ_max with m the number of targets (n·o) and λ_max that of one output's
 * kernel (neural-tangents' `max_learning_rate`, with y_train.size as m). A
 * kernel traced with 'sum' is o times one output's; with 'none' its rows
 * already count the outputs. For a kernel read from a file, o is the targets'
 * columns (1 without) and the kernel is taken as one output's.
 */
function maxLearningRate(n: number, lambdaMax: number, request: SpectrumRequest): number {
  const { network, targets } = request;
  const outputs = network ? network.outputs : targets ? targets.cols : 1;
  const m = network?.trace === 'none' ? n : n * outputs;
  const lambda = network?.trace === 'sum' ? lambdaMax / outputs : lambdaMax;
  return lambda > 0 ? (2 * m) / lambda : lambda === 0 ? Infinity : 0;
}

/** The numbers of a spectrum from its eigenvalues (largest first; all of them when `complete`). */
function finish(
  n: number,
  trace: number,
  found: { eigenvalues: Float64Array; eigenvectors: Float64Array | null; solver: string; iterations: number | null },
  complete: boolean,
  request: SpectrumRequest,
): Spectrum {
  const { eigenvalues, eigenvectors, solver, iterations } = found;
  const count = eigenvalues.length;
  const lambdaMax = eigenvalues[0];
  const lambdaMin = complete ? eigenvalues[count - 1] : null;
  const floor = n * precisionEpsilon(request.precision) * Math.abs(lambdaMax);
  return {
    n,
    eigenvalues,
    eigenvectors: request.vectors ? eigenvectors : null,
    complete,
    solver,
    iterations,
    lambdaMax,
    lambdaMin,
    conditionNumber: lambdaMin === null ? null : lambdaMin > 0 ? lambdaMax / lambdaMin : Infinity,
    effectiveRank: complete ? effectiveRank(eigenvalues) : null,
    trace,
    precision: request.precision,
    floor,
    numericalRank: eigenvalues.filter((v) => v > floor).length,
    negativeEigenvalues: complete ? eigenvalues.filter((v) => v < -floor).length : null,
    maxLearningRate: maxLearningRate(n, lambdaMax, request),
    targetEnergy: request.targets && eigenvectors ? cumulativeTargetEnergy(eigenvectors, n, count, request.targets) : null,
  };
}
