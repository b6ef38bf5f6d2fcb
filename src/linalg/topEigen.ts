/**
 * The k largest eigenvalues of a symmetric n × n matrix K without its full
 * decomposition: block Krylov iteration with Rayleigh–Ritz and restarts (a
 * block Lanczos method with full reorthogonalisation; Golub & Van Loan §10.3,
 * Musco & Musco 2015). K is touched only through products V·K of a block of
 * b rows (an operator: a matrix in memory, or one read from disk by rows), so
 * K is read once per b vectors and the work runs as matrix products.
 *
 * One iteration, from b orthonormal rows V and V·K:
 *   B_0 = V, B_j = orth(B_{j−1}·K against B_0 … B_{j−1}), j = 1 … q,
 *   Q = [B_0; …; B_q] (m = b(q + 1) orthonormal rows), T = (Q·K)·Qᵀ,
 *   T = S Θ Sᵀ; the Ritz vectors U = Sᵀ·Q and U·K = Sᵀ·(Q·K) need no new
 *   product with K, and the top b of them restart the next iteration.
 * The basis is kept in float64 (only the products with K run in float32), so
 * orthogonalisation against it is exact to rounding; a direction the Krylov
 * space has exhausted (K of rank below m, an invariant subspace) is replaced
 * by a random one orthogonal to the basis, which always exists while m < n.
 * It stops when every one of the top k residuals ‖K u_i − θ_i u_i‖ is below
 * `tolerance`·max|θ|, which puts an eigenvalue of K within that distance of
 * each θ_i; if that does not happen within `maxIterations`, it says so rather
 * than return an unconverged value. Cost per iteration: q products of K with
 * b vectors, 2·q·n²·b flops, and O(n·m²) for the basis.
 */
import { symmetricEigen } from './eigen';
import type { Linalg, MatrixView } from './types';
import type { RowChunks } from '../types';

/** A symmetric matrix seen through its products: out ← V·K for rows V (b × n). */
export interface SymmetricOperator {
  n: number;
  multiply(v: MatrixView, out: MatrixView): void;
}

/** The operator of a matrix in memory (row-major float32, n × n). */
export function denseOperator(k: MatrixView, linalg: Linalg): SymmetricOperator {
  if (k.cols !== k.rows) throw new RangeError(`expected a square matrix, got ${k.rows}×${k.cols}`);
  return { n: k.rows, multiply: (v, out) => linalg.gemm(1, v, false, k, false, 0, out) };
}

/**
 * The operator of a symmetric matrix read by chunks of rows (a file larger
 * than memory): V·K is, chunk by chunk, V·K[rows, :]ᵀ into those columns of
 * the product (K's rows are its columns), one pass over the matrix per
 * product, one chunk in memory.
 */
export function rowChunksOperator(chunks: RowChunks, linalg: Linalg): SymmetricOperator {
  if (chunks.rows !== chunks.cols) throw new RangeError(`expected a square matrix, got ${chunks.rows}×${chunks.cols}`);
  return {
    n: chunks.rows,
    multiply(v, out) {
      chunks.forEachChunk((start, values, rows) => {
        const block = values instanceof Float32Array ? values : Float32Array.from(values);
        linalg.gemm(1, v, false, { data: block, rows, cols: chunks.cols }, true, 0, { data: out.data.subarray(start), rows: v.rows, cols: rows, ld: out.cols });
      });
    },
  };
}

export interface TopEigen {
  /** The k largest eigenvalues, largest first. */
  values: Float64Array;
  /** Row-major n × k, column i the unit eigenvector of values[i]. */
  vectors: Float64Array;
  /** ‖K u_i − θ_i u_i‖ of each. */
  residuals: Float64Array;
  iterations: number;
  solver: string;
}

export interface TopEigenOptions {
  /** Standard normal draws for the starting block and refills (the caller's seeded generator). */
  randn: (count: number) => Float32Array;
  /** Relative residual to reach; default max(1e-5, 4·√n·ε₃₂), what float32 products of K can resolve. */
  tolerance?: number;
  maxIterations?: number;
  /** Krylov blocks per iteration beyond the first. */
  blocks?: number;
  /** What runs the products, for the report. */
  linalgName: string;
}

export class TopEigenError extends Error {}

/** Rows of float64 vectors, each n long. */
class Rows {
  readonly data: Float64Array;
  constructor(readonly rows: number, readonly n: number, data?: Float64Array) {
    this.data = data ?? new Float64Array(rows * n);
  }
  row(i: number): Float64Array {
    return this.data.subarray(i * this.n, (i + 1) * this.n);
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) s += a[t] * b[t];
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let t = 0; t < y.length; t++) y[t] += alpha * x[t];
}

/**
 * Make the rows of `w` orthonormal, to the rows of `basis` and to each other:
 * classical Gram–Schmidt twice against the basis ("twice is enough", Giraud et
 * al. 2005), then modified Gram–Schmidt twice within the block. A row that
 * keeps less than 1e-8 of its length (a direction already spanned) is
 * replaced by a random row and orthogonalised again.
 */
function orthonormalize(w: Rows, basis: Rows[], randn: (count: number) => Float32Array): void {
  const againstBasis = (row: Float64Array) => {
    for (let pass = 0; pass < 2; pass++) for (const q of basis) for (let j = 0; j < q.rows; j++) axpy(-dot(row, q.row(j)), q.row(j), row);
  };
  for (let i = 0; i < w.rows; i++) {
    const row = w.row(i);
    for (let attempt = 0; ; attempt++) {
      const before = Math.sqrt(dot(row, row));
      againstBasis(row);
      for (let pass = 0; pass < 2; pass++) for (let j = 0; j < i; j++) axpy(-dot(row, w.row(j)), w.row(j), row);
      const after = Math.sqrt(dot(row, row));
      if (after > 1e-8 * before && after > 0) {
        for (let t = 0; t < row.length; t++) row[t] /= after;
        break;
      }
      if (attempt >= 8) throw new TopEigenError('the block Krylov basis could not be extended: the matrix has fewer dimensions than the iteration needs');
      row.set(randn(row.length));
    }
  }
}

/** V·K for float64 rows V, through the operator's float32 products. */
function times(v: Rows, op: SymmetricOperator): Rows {
  const input = { data: Float32Array.from(v.data), rows: v.rows, cols: v.n };
  const out = { data: new Float32Array(v.rows * v.n), rows: v.rows, cols: v.n };
  op.multiply(input, out);
  return new Rows(v.rows, v.n, Float64Array.from(out.data));
}

function stack(blocks: Rows[]): Rows {
  const n = blocks[0].n;
  const out = new Rows(blocks.reduce((s, b) => s + b.rows, 0), n);
  let at = 0;
  for (const b of blocks) {
    out.data.set(b.data, at * n);
    at += b.rows;
  }
  return out;
}

/** Sᵀ·M for the first `count` columns of S (m × m, row-major): `count` combinations of M's rows. */
function combine(s: Float64Array, m: number, count: number, matrix: Rows): Rows {
  const out = new Rows(count, matrix.n);
  for (let i = 0; i < count; i++) {
    const target = out.row(i);
    for (let r = 0; r < m; r++) {
      const c = s[r * m + i];
      if (c !== 0) axpy(c, matrix.row(r), target);
    }
  }
  return out;
}

/** The block size for the top `count`: oversampled, so the gap λ_k/λ_{b+1} drives convergence. */
export function blockSize(count: number, n: number): number {
  return Math.min(n, count + Math.max(10, count));
}

/** Whether the iteration's basis (three blocks) fits well below n; otherwise the full solver is the better tool. */
export function krylovFits(count: number, n: number): boolean {
  return 3 * blockSize(count, n) < n / 2;
}

export function topEigen(op: SymmetricOperator, count: number, options: TopEigenOptions): TopEigen {
  const n = op.n;
  if (!(count >= 1 && count <= n)) throw new RangeError(`top ${count} of ${n} eigenvalues`);
  const tolerance = options.tolerance ?? Math.max(1e-5, 4 * Math.sqrt(n) * 2 ** -23);
  const maxIterations = options.maxIterations ?? 100;
  const b = blockSize(count, n);
  const q = Math.max(1, Math.min(options.blocks ?? 2, Math.floor(n / b) - 1));
  if (b * (q + 1) >= n) throw new RangeError(`a basis of ${b * (q + 1)} vectors does not fit n = ${n}: use the full decomposition`);
  let v = new Rows(b, n, Float64Array.from(options.randn(b * n)));
  orthonormalize(v, [], options.randn);
  let vk = times(v, op);
  let worst = Infinity;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const blocks = [v];
    const images = [vk];
    for (let j = 1; j <= q; j++) {
      const next = new Rows(b, n, Float64Array.from(images[j - 1].data));
      orthonormalize(next, blocks, options.randn);
      blocks.push(next);
      images.push(times(next, op));
    }
    const basis = stack(blocks);
    const image = stack(images);
    const m = basis.rows;
    // T = (Q·K)·Qᵀ, symmetrised (the float32 products leave it symmetric only to rounding).
    const t = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) t[i * m + j] = t[j * m + i] = (dot(image.row(i), basis.row(j)) + dot(image.row(j), basis.row(i))) / 2;
    const ritz = symmetricEigen(t, m, true);
    const u = combine(ritz.vectors!, m, b, basis);
    const uk = combine(ritz.vectors!, m, b, image);
    const scale = Math.max(Math.abs(ritz.values[0]), Math.abs(ritz.values[m - 1])) || 1;
    const residuals = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const r = Float64Array.from(uk.row(i));
      axpy(-ritz.values[i], u.row(i), r);
      residuals[i] = Math.sqrt(dot(r, r));
    }
    worst = Math.max(...residuals) / scale;
    if (worst <= tolerance) {
      const vectors = new Float64Array(n * count);
      for (let i = 0; i < count; i++) for (let r = 0; r < n; r++) vectors[r * count + i] = u.data[i * n + r];
      return { values: ritz.values.slice(0, count), vectors, residuals, iterations: iteration, solver: `block Krylov (${options.linalgName})` };
    }
    v = u;
    vk = uk;
  }
  throw new TopEigenError(`the top ${count} eigenvalues did not converge in ${maxIterations} block Krylov iterations (largest residual ${worst.toPrecision(2)} of |λ|_max, tolerance ${tolerance.toPrecision(2)})`);
}
