/**
 * The eigendecomposition of a symmetric matrix: LAPACK's divide-and-conquer
 * dsyevd through ntk-cli's native helper (in float64, whatever the input's
 * precision), or, where that was not built or LAPACKE is missing, ml-matrix's JavaScript
 * tridiagonal QL (the same O(n³) algorithm, about a hundred times slower).
 */
import { nativeHelpers } from '../native';

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** With vectors: row-major n × n, column i the unit eigenvector of values[i]. */
  vectors: Float64Array | null;
  /** What computed them, for reports. */
  solver: string;
}

export class EigenError extends Error {}

/** Eigenvalues (and eigenvectors) of the symmetric row-major n × n `matrix`. O(n³). */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, vectors: boolean): SymmetricEigen {
  if (!Number.isSafeInteger(n) || n < 1 || matrix.length !== n * n) throw new EigenError(`expected an n × n matrix, got ${matrix.length} values for n = ${n}`);
  const native = nativeHelpers();
  // A helper built before lapackAvailable existed links LAPACKE: its syevd is there.
  const lapack = typeof native?.lapackAvailable === 'function' ? native.lapackAvailable() : native !== null;
  return lapack ? lapackEigen(native!.syevd, matrix, n, vectors) : javascriptEigen(matrix, n, vectors);
}

function lapackEigen(syevd: NonNullable<ReturnType<typeof nativeHelpers>>['syevd'], matrix: ArrayLike<number>, n: number, vectors: boolean): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const ascending = new Float64Array(n);
  const info = syevd(a, ascending, n, vectors);
  if (info !== 0) throw new EigenError(`LAPACK dsyevd did not converge (info ${info})`);
  const values = ascending.reverse();
  if (!vectors) return { values, vectors: null, solver: 'LAPACK dsyevd' };
  // Row j of the result holds the eigenvector of the j-th smallest eigenvalue; column i of ours, of the i-th largest.
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = (n - 1 - i) * n;
    for (let r = 0; r < n; r++) out[r * n + i] = a[row + r];
  }
  return { values, vectors: out, solver: 'LAPACK dsyevd' };
}

function javascriptEigen(matrix: ArrayLike<number>, n: number, vectors: boolean): SymmetricEigen {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Matrix, EigenvalueDecomposition } = require('ml-matrix') as typeof import('ml-matrix');
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => matrix[i * n + j]));
  const decomposition = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const ascending = decomposition.realEigenvalues;
  const values = Float64Array.from(ascending).reverse();
  if (!vectors) return { values, vectors: null, solver: 'ml-matrix (JavaScript)' };
  const v = decomposition.eigenvectorMatrix;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let r = 0; r < n; r++) out[r * n + i] = v.get(r, n - 1 - i);
  return { values, vectors: out, solver: 'ml-matrix (JavaScript)' };
}
