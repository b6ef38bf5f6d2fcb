/**
 * The seed's method, kept as an independent cross-check of structuredKernel:
 * one backward pass per sample and output through TensorFlow.js autodiff (the
 * network's forward pass in tfjs ops, each layer kind's own, so no
 * hand-written chain rule is involved), the gradients ∂f_k(x_i)/∂θ stacked
 * into the Jacobian J_k [n × P], and Θ = Σ_k J_k(X)·J_k(Y)ᵀ on the linalg.
 * O(n·P) memory and n·o backward passes: for small networks only. Needs an
 * active TensorFlow.js backend.
 */
import type * as TF from '@tensorflow/tfjs';
import { kindOf } from '../layers';
import type { Linalg } from '../linalg/types';
import { outputDimOf, type Network } from '../model/network';
import type { MatrixView, Samples } from '../types';
import { tfjsWithGradients } from '../tfjs/backend';
import { traceScale, type Trace } from './trace';

/** Parameter tensors in PyTorch's `model.parameters()` order (W_1, b_1, W_2, b_2, …), grouped by layer. */
function parameterTensors(tf: typeof TF, network: Network): TF.Tensor[][] {
  return network.layers.map((layer) => kindOf(layer).parameters(layer).map((p) => tf.tensor(p.data, p.shape)));
}

/** f_k(x) for one sample x [1, …input shape], as a function of the parameters (autodiff sees the scales). */
function outputOfParams(tf: typeof TF, network: Network, x: TF.Tensor, k: number, counts: number[]): (...params: TF.Tensor[]) => TF.Scalar {
  return (...params) => {
    let a: TF.Tensor = x;
    let p = 0;
    network.layers.forEach((layer, l) => {
      a = kindOf(layer).tensorForward(tf as never, layer, a, params.slice(p, p + counts[l]));
      p += counts[l];
    });
    return tf.squeeze(tf.slice(tf.reshape(a, [1, -1]), [0, k], [1, 1])) as TF.Scalar;
  };
}

/** Rows ∂f_k(x_i)/∂θ, i = 1…count, flattened in parameter order: [count × P]. */
function jacobian(tf: typeof TF, network: Network, samples: Samples, k: number, params: TF.Tensor[][]): MatrixView {
  const counts = params.map((p) => p.length);
  const flat = params.flat();
  const cols = flat.reduce((sum, p) => sum + p.size, 0);
  // Each row is read into the matrix and its tensors freed before the next: n·P floats at most, not
  // the rows, their stack and its copy at once.
  const data = new Float32Array(samples.count * cols);
  for (let i = 0; i < samples.count; i++) {
    const row = tf.tidy(() => {
      const xi = tf.tensor(samples.values.subarray(i * samples.dim, (i + 1) * samples.dim), [1, ...network.input]);
      const grads = tf.grads(outputOfParams(tf, network, xi, k, counts))(flat);
      return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
    });
    data.set(row.dataSync() as Float32Array, i * cols);
    row.dispose();
  }
  return { data, rows: samples.count, cols };
}

/**
 * Θ(X, Y) as a row-major Float32Array: [n × m] traced over outputs, or with
 * trace 'none' [(n·o) × (m·o)], row i·o + a holding output a of sample i.
 */
export function naiveKernel(model: Network, x: Samples, y: Samples | null, linalg: Linalg, options: { trace?: Trace } = {}): Float32Array {
  const tf = tfjsWithGradients();
  const outputs = outputDimOf(model);
  const trace = options.trace ?? 'sum';
  const params = parameterTensors(tf, model);
  try {
    const jx = Array.from({ length: outputs }, (_, k) => jacobian(tf, model, x, k, params));
    const jy = y ? Array.from({ length: outputs }, (_, k) => jacobian(tf, model, y, k, params)) : jx;
    const n = x.count;
    const m = y ? y.count : n;
    if (trace !== 'none') {
      const kernel: MatrixView = { data: new Float32Array(n * m), rows: n, cols: m };
      const scale = traceScale(trace, outputs);
      for (let k = 0; k < outputs; k++) linalg.gemm(scale, jx[k], false, jy[k], true, k === 0 ? 0 : 1, kernel);
      return kernel.data;
    }
    // Every pair of outputs: J_a(X)·J_b(Y)ᵀ into the rows i·o + a and columns j·o + b.
    const cols = m * outputs;
    const full = new Float32Array(n * outputs * cols);
    const block: MatrixView = { data: new Float32Array(n * m), rows: n, cols: m };
    for (let a = 0; a < outputs; a++) {
      for (let b = 0; b < outputs; b++) {
        linalg.gemm(1, jx[a], false, jy[b], true, 0, block);
        for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) full[(i * outputs + a) * cols + j * outputs + b] = block.data[i * m + j];
      }
    }
    return full;
  } finally {
    tf.dispose(params.flat());
  }
}
