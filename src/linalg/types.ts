/**
 * The matrix products the kernels need, as one small interface with two
 * implementations: OpenBLAS through a CBLAS binding (`blas.ts`) and
 * TensorFlow.js (`tfjs.ts`). Matrices are row-major float32 views.
 */

import type { MatrixView } from '../types';

export type { MatrixView };

export interface Linalg {
  /** What runs the products: 'openblas' (or 'blas' for another CBLAS library), or 'tfjs'. */
  readonly name: string;
  /** The threads its products run on (OpenBLAS's, --threads); a kernel tile's element-wise passes use as many. 1 where absent. */
  readonly threads?: number;
  /** C ← α·op(A)·op(B) + β·C, op(X) = Xᵀ when its flag is set. O(m·n·k). */
  gemm(alpha: number, a: MatrixView, transA: boolean, b: MatrixView, transB: boolean, beta: number, c: MatrixView): void;
  /**
   * One triangle of C ← α·A·Aᵀ + β·C, the upper one unless `lower` is set; the
   * other triangle is left as it was. O(n²·k), half of gemm's.
   */
  syrk(alpha: number, a: MatrixView, beta: number, c: MatrixView, lower?: boolean): void;
}

export class LinalgShapeError extends Error {}

/** The leading dimension of a view. */
export function ldOf(m: MatrixView): number {
  return m.ld ?? m.cols;
}

/** A view of rows [start, end) of `m`. */
export function rowsOf(m: MatrixView, start: number, end: number): MatrixView {
  const ld = ldOf(m);
  return { data: m.data.subarray(start * ld, Math.max(start * ld, (end - 1) * ld + m.cols)), rows: end - start, cols: m.cols, ld };
}

/**
 * Refuse a view whose elements are not all inside its array: native code
 * would read or write past the end instead of throwing.
 */
export function checkView(name: string, m: MatrixView): void {
  const ld = ldOf(m);
  const whole = (v: number) => Number.isSafeInteger(v) && v >= 0;
  if (!whole(m.rows) || !whole(m.cols) || !whole(ld)) throw new LinalgShapeError(`${name}: rows, cols and ld must be whole numbers`);
  if (m.rows > 0 && ld < m.cols) throw new LinalgShapeError(`${name}: leading dimension ${ld} is below its ${m.cols} columns`);
  if (ld > 0x7fffffff || m.rows > 0x7fffffff || m.cols > 0x7fffffff) throw new LinalgShapeError(`${name}: a dimension exceeds 2³¹ − 1`);
  const needed = m.rows === 0 || m.cols === 0 ? 0 : (m.rows - 1) * ld + m.cols;
  if (!(m.data instanceof Float32Array)) throw new LinalgShapeError(`${name}: expected a Float32Array`);
  if (m.data.length < needed) throw new LinalgShapeError(`${name}: ${m.rows}×${m.cols} with ld ${ld} needs ${needed} elements, the array has ${m.data.length}`);
}

/** The shapes (m, n, k) of C ← op(A)·op(B), checked against C. */
export function gemmShape(a: MatrixView, transA: boolean, b: MatrixView, transB: boolean, c: MatrixView): [number, number, number] {
  checkView('A', a);
  checkView('B', b);
  checkView('C', c);
  const [m, k] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
  const [kb, n] = transB ? [b.cols, b.rows] : [b.rows, b.cols];
  if (k !== kb) throw new LinalgShapeError(`gemm: op(A) is ${m}×${k} but op(B) is ${kb}×${n}`);
  if (c.rows !== m || c.cols !== n) throw new LinalgShapeError(`gemm: the product is ${m}×${n} but C is ${c.rows}×${c.cols}`);
  return [m, n, k];
}

/** The shapes (n, k) of C ← A·Aᵀ, checked against C. */
export function syrkShape(a: MatrixView, c: MatrixView): [number, number] {
  checkView('A', a);
  checkView('C', c);
  if (c.rows !== a.rows || c.cols !== a.rows) throw new LinalgShapeError(`syrk: A·Aᵀ is ${a.rows}×${a.rows} but C is ${c.rows}×${c.cols}`);
  return [a.rows, a.cols];
}
