/**
 * The k largest eigenvalues of a symmetric n × n matrix K without its full
 * decomposition: block Krylov iteration with Rayleigh–Ritz and restarts (a
 * block Lanczos method with full reorthogonalisation; Golub & Van Loan §10.3,
 * Musco & Musco 2015). Each product with K takes a block of b vectors at once,
 * so K is read once per b vectors and the work runs as matrix products (BLAS
 * level 3) on the linalg.
 *
 * One iteration, from b orthonormal vectors V (rows) and V·K:
 *   B_0 = V, B_j = orth(B_{j−1}·K against B_0 … B_{j−1}), j = 1 … q,
 *   Q = [B_0; …; B_q] (m = b(q + 1) orthonormal rows), T = (Q·K)·Qᵀ,
 *   T = S Θ Sᵀ; the Ritz vectors U = Sᵀ·Q and U·K = Sᵀ·(Q·K) need no new
 *   product with K, and the top b of them restart the next iteration.
 * It stops when every one of the top k residuals ‖K u_i − θ_i u_i‖ is below
 * `tolerance`·θ_1 (default 1e-5), which bounds each |θ_i − λ| by the same
 * amount. Cost per
 * iteration: q products of K with b vectors, 2·q·n²·b flops.
 */
import { symmetricEigen } from './eigen';
import type { Linalg, MatrixView } from './types';

export interface TopEigen {
  /** The k largest eigenvalues, largest first. */
  values: Float64Array;
  /** Row-major n × k, column i the unit eigenvector of values[i]. */
  vectors: Float64Array;
  /** ‖K u_i − θ_i u_i‖ of each. */
  residuals: Float64Array;
  iterations: number;
  converged: boolean;
  solver: string;
}

export interface TopEigenOptions {
  /** Standard normal draws for the starting block (the caller's seeded generator). */
  randn: (count: number) => Float32Array;
  tolerance?: number;
  maxIterations?: number;
  /** Krylov blocks per iteration. */
  blocks?: number;
}

function rows(count: number, n: number): MatrixView {
  return { data: new Float32Array(count * n), rows: count, cols: n };
}

/**
 * Rows of `w` made orthonormal to the rows of each of `basis` (orthonormal)
 * and to each other. Against the basis: classical Gram–Schmidt twice ("twice
 * is enough", Giraud et al. 2005). Within the block: symmetric (Löwdin)
 * orthogonalisation W ← Λ^(−1/2)·Uᵀ·W from W·Wᵀ = U Λ Uᵀ, twice, all matrix
 * products; a block that has (numerically) lost a direction is finished by
 * modified Gram–Schmidt with fresh random rows instead.
 */
function orthonormalize(w: MatrixView, basis: MatrixView[], linalg: Linalg, randn: (count: number) => Float32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      const c = rows(w.rows, q.rows);
      linalg.gemm(1, w, false, q, true, 0, c);
      linalg.gemm(-1, c, false, q, false, 1, w);
    }
  }
  for (let pass = 0; pass < 2; pass++) {
    const b = w.rows;
    const gram = rows(b, b);
    linalg.gemm(1, w, false, w, true, 0, gram);
    const eigen = symmetricEigen(Float64Array.from(gram.data), b, true);
    if (!(eigen.values[b - 1] > 1e-10 * eigen.values[0])) return gramSchmidt(w, basis, linalg, randn);
    const transform = rows(b, b);
    for (let i = 0; i < b; i++) {
      const scale = 1 / Math.sqrt(eigen.values[i]);
      for (let j = 0; j < b; j++) transform.data[i * b + j] = scale * eigen.vectors![j * b + i];
    }
    const next = rows(b, w.cols);
    linalg.gemm(1, transform, false, w, false, 0, next);
    w.data.set(next.data);
  }
}

/** Modified Gram–Schmidt within the block, in double sums; a row lost in the span is replaced by a random one. */
function gramSchmidt(w: MatrixView, basis: MatrixView[], linalg: Linalg, randn: (count: number) => Float32Array): void {
  const n = w.cols;
  const d = w.data;
  for (let i = 0; i < w.rows; i++) {
    const row = i * n;
    for (let attempt = 0; ; attempt++) {
      const before = norm(d, row, n);
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < i; j++) {
          let dot = 0;
          for (let t = 0; t < n; t++) dot += d[row + t] * d[j * n + t];
          for (let t = 0; t < n; t++) d[row + t] -= dot * d[j * n + t];
        }
      }
      const after = norm(d, row, n);
      if (after > 1e-4 * before && after > 0) {
        for (let t = 0; t < n; t++) d[row + t] /= after;
        break;
      }
      if (attempt > 3) throw new Error('block Krylov iteration lost its basis');
      d.set(randn(n), row);
      for (const q of basis) {
        const c = rows(1, q.rows);
        const r = { data: d.subarray(row, row + n), rows: 1, cols: n };
        linalg.gemm(1, r, false, q, true, 0, c);
        linalg.gemm(-1, c, false, q, false, 1, r);
      }
    }
  }
}

function norm(d: Float32Array, start: number, n: number): number {
  let s = 0;
  for (let t = 0; t < n; t++) s += d[start + t] * d[start + t];
  return Math.sqrt(s);
}

/** V·K for rows V (K symmetric, so these are the rows of K·Vᵀ). */
function times(v: MatrixView, k: MatrixView, linalg: Linalg): MatrixView {
  const out = rows(v.rows, k.cols);
  linalg.gemm(1, v, false, k, false, 0, out);
  return out;
}

/** Rows r of `a` stacked. */
function stack(blocks: MatrixView[]): MatrixView {
  const n = blocks[0].cols;
  const out = rows(blocks.reduce((s, b) => s + b.rows, 0), n);
  let at = 0;
  for (const b of blocks) {
    out.data.set(b.data.subarray(0, b.rows * n), at * n);
    at += b.rows;
  }
  return out;
}

/** Sᵀ·M for the first `count` columns of S (m × m, row-major float64): `count` combinations of M's rows. */
function combine(s: Float64Array, m: number, count: number, matrix: MatrixView, linalg: Linalg): MatrixView {
  const st = rows(count, m);
  for (let i = 0; i < count; i++) for (let r = 0; r < m; r++) st.data[i * m + r] = s[r * m + i];
  const out = rows(count, matrix.cols);
  linalg.gemm(1, st, false, matrix, false, 0, out);
  return out;
}

export function topEigen(k: MatrixView, count: number, linalg: Linalg, options: TopEigenOptions): TopEigen {
  const n = k.rows;
  if (k.cols !== n) throw new RangeError(`expected a square matrix, got ${k.rows}×${k.cols}`);
  if (!(count >= 1 && count <= n)) throw new RangeError(`top ${count} of ${n} eigenvalues`);
  const tolerance = options.tolerance ?? 1e-5;
  const maxIterations = options.maxIterations ?? 100;
  const b = Math.min(n, count + Math.max(10, count));
  const q = Math.max(1, Math.min(options.blocks ?? 2, Math.floor(n / b) - 1));
  let v: MatrixView = { data: options.randn(b * n), rows: b, cols: n };
  orthonormalize(v, [], linalg, options.randn);
  let vk = times(v, k, linalg);
  let result: TopEigen | null = null;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const blocks = [v];
    const products = [vk];
    for (let j = 1; j <= q && blocks.length * b + b <= n; j++) {
      const next = { ...products[j - 1], data: Float32Array.from(products[j - 1].data) };
      orthonormalize(next, blocks, linalg, options.randn);
      blocks.push(next);
      products.push(times(next, k, linalg));
    }
    const basis = stack(blocks);
    const image = stack(products);
    const m = basis.rows;
    const t = rows(m, m);
    linalg.gemm(1, image, false, basis, true, 0, t);
    const symmetric = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) symmetric[i * m + j] = (t.data[i * m + j] + t.data[j * m + i]) / 2;
    const ritz = symmetricEigen(symmetric, m, true);
    const keep = Math.min(b, m);
    const u = combine(ritz.vectors!, m, keep, basis, linalg);
    const uk = combine(ritz.vectors!, m, keep, image, linalg);
    const residuals = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += (uk.data[i * n + c] - ritz.values[i] * u.data[i * n + c]) ** 2;
      residuals[i] = Math.sqrt(s);
    }
    const scale = Math.abs(ritz.values[0]) || 1;
    const converged = residuals.every((r) => r <= tolerance * scale);
    if (converged || iteration === maxIterations || m >= n) {
      const vectors = new Float64Array(n * count);
      for (let i = 0; i < count; i++) for (let r = 0; r < n; r++) vectors[r * count + i] = u.data[i * n + r];
      result = { values: ritz.values.slice(0, count), vectors, residuals, iterations: iteration, converged: converged || m >= n, solver: `block Krylov (${linalg.name})` };
      break;
    }
    v = u;
    vk = uk;
  }
  return result!;
}
