/**
 * The products on a CBLAS library through the `nblas` binding (an optional
 * dependency that node-gyp compiles against the system's libblas; on Debian
 * and Ubuntu, `libopenblas-dev` makes that OpenBLAS).
 *
 * Every call is checked here first (checkView, gemmShape, syrkShape): the
 * binding passes pointers and leading dimensions straight to C, where a wrong
 * size is memory corruption rather than an exception.
 */
import fs = require('node:fs');
import { gemmShape, ldOf, syrkShape, type Linalg, type MatrixView } from './types';

/** The part of nblas this module calls (CBLAS argument order, row-major). */
interface Nblas {
  NoTrans: number;
  Trans: number;
  Upper: number;
  Lower: number;
  sgemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  ssyrk(uplo: number, trans: number, n: number, k: number, alpha: number, a: Float32Array, lda: number, beta: number, c: Float32Array, ldc: number): void;
}

/** C ← β·C for the empty products BLAS would refuse (k = 0), over all of C or one triangle. */
function scaleInPlace(beta: number, c: MatrixView, triangle: 'upper' | 'lower' | null): void {
  const ld = ldOf(c);
  for (let i = 0; i < c.rows; i++) {
    const [from, to] = triangle === 'upper' ? [i, c.cols] : triangle === 'lower' ? [0, i + 1] : [0, c.cols];
    for (let j = from; j < to; j++) c.data[i * ld + j] = beta === 0 ? 0 : beta * c.data[i * ld + j];
  }
}

/** 'openblas' when OpenBLAS is the library mapped into this process, else 'blas'. */
function libraryName(): string {
  try {
    return /libopenblas/.test(fs.readFileSync('/proc/self/maps', 'utf8')) ? 'openblas' : 'blas';
  } catch {
    return 'blas';
  }
}

export function blasLinalg(nblas: Nblas, threads: number): Linalg {
  return {
    name: libraryName(),
    threads,
    gemm(alpha, a, transA, b, transB, beta, c) {
      const [m, n, k] = gemmShape(a, transA, b, transB, c);
      if (m === 0 || n === 0) return;
      if (k === 0) return scaleInPlace(beta, c, null);
      const t = (flag: boolean) => (flag ? nblas.Trans : nblas.NoTrans);
      nblas.sgemm(t(transA), t(transB), m, n, k, alpha, a.data, ldOf(a), b.data, ldOf(b), beta, c.data, ldOf(c));
    },
    syrk(alpha, a, beta, c, lower = false) {
      const [n, k] = syrkShape(a, c);
      if (n === 0) return;
      if (k === 0) return scaleInPlace(beta, c, lower ? 'lower' : 'upper');
      nblas.ssyrk(lower ? nblas.Lower : nblas.Upper, nblas.NoTrans, n, k, alpha, a.data, ldOf(a), beta, c.data, ldOf(c));
    },
  };
}

/**
 * Load the binding with `threads` OpenBLAS threads, or return null with the
 * reason. OpenBLAS reads OPENBLAS_NUM_THREADS once, when the library loads,
 * so it is set just before the first require.
 */
export function loadBlas(threads: number): { linalg: Linalg } | { reason: string } {
  // Set only where it differs: start-up's preload may be loading OpenBLAS, which reads it, on
  // another thread (and musl frees a value that setenv replaces).
  if (process.env.OPENBLAS_NUM_THREADS !== String(threads)) process.env.OPENBLAS_NUM_THREADS = String(threads);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { linalg: blasLinalg(require('nblas') as Nblas, threads) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'MODULE_NOT_FOUND'
        ? 'the nblas binding is not installed (it builds when libopenblas-dev is present at npm install)'
        : `the nblas binding failed to load: ${(error as Error).message.split('\n')[0]}`;
    return { reason };
  }
}
