/**
 * The products on the active TensorFlow.js backend, for machines without a
 * BLAS binding. Transposed operands are transposed explicitly before the
 * product: tfjs-backend-wasm multiplies a transposed operand an order of
 * magnitude slower than a plain one (`npm run bench` shows the paths).
 */
import type * as TF from '@tensorflow/tfjs-core';
import { gemmShape, ldOf, syrkShape, type Linalg, type MatrixView } from './types';

/** A dense copy of a (possibly strided) view. */
function dense(m: MatrixView): Float32Array {
  const ld = ldOf(m);
  if (ld === m.cols) return m.data.subarray(0, m.rows * m.cols);
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) out.set(m.data.subarray(i * ld, i * ld + m.cols), i * m.cols);
  return out;
}

/** C ← α·P + β·C for a dense product P, over the whole of C or one triangle. */
function accumulate(alpha: number, product: Float32Array, beta: number, c: MatrixView, triangle: 'upper' | 'lower' | null): void {
  const ld = ldOf(c);
  for (let i = 0; i < c.rows; i++) {
    const [from, to] = triangle === 'upper' ? [i, c.cols] : triangle === 'lower' ? [0, i + 1] : [0, c.cols];
    for (let j = from; j < to; j++) {
      const p = alpha * product[i * c.cols + j];
      c.data[i * ld + j] = beta === 0 ? p : p + beta * c.data[i * ld + j];
    }
  }
}

export function tfjsLinalg(tf: typeof TF): Linalg {
  const upload = (m: MatrixView, transpose: boolean) => {
    const t = tf.tensor2d(dense(m), [m.rows, m.cols]);
    return transpose ? tf.transpose(t) : t;
  };
  const product = (a: MatrixView, transA: boolean, b: MatrixView, transB: boolean): Float32Array => {
    const result = tf.tidy(() => tf.matMul(upload(a, transA), upload(b, transB)));
    // Read after tidy: tidy would walk a returned typed array element by element.
    const values = result.dataSync() as Float32Array;
    result.dispose();
    return values;
  };
  return {
    name: 'tfjs',
    gemm(alpha, a, transA, b, transB, beta, c) {
      const [m, n, k] = gemmShape(a, transA, b, transB, c);
      if (m === 0 || n === 0) return;
      const p = k === 0 ? new Float32Array(m * n) : product(a, transA, b, transB);
      accumulate(alpha, p, beta, c, null);
    },
    syrk(alpha, a, beta, c, lower = false) {
      const [n, k] = syrkShape(a, c);
      if (n === 0) return;
      const p = k === 0 ? new Float32Array(n * n) : product(a, false, a, true);
      accumulate(alpha, p, beta, c, lower ? 'lower' : 'upper');
    },
  };
}
