/**
 * The seed's method, kept as an independent cross-check of structuredKernel:
 * one backward pass per sample and output for the full parameter gradient
 * ∂f_k(x_i)/∂θ, those gradients stacked into the Jacobian J_k [n, P], and
 * Θ = Σ_k J_k(X) J_k(Y)ᵀ. Memory and time grow with n·P: for small nets only.
 */
import * as tf from '@tensorflow/tfjs';
import type { Mlp } from '../model/mlp';
import { activationOp, readAndDispose } from './forward';
import type { KernelOptions, Samples } from './structured';
import { traceScale } from './trace';

/** Parameter tensors in PyTorch's `model.parameters()` order: W_1, b_1, W_2, b_2, … */
function parameterTensors(model: Mlp): tf.Tensor[] {
  const params: tf.Tensor[] = [];
  for (const layer of model.layers) {
    params.push(tf.tensor2d(layer.weight, [layer.outDim, layer.inDim]));
    if (layer.bias) params.push(tf.tensor1d(layer.bias));
  }
  return params;
}

/** f_k(x) for one sample x [1, d], as a function of the parameters (autodiff sees the scales). */
function outputOfParams(model: Mlp, x: tf.Tensor2D, k: number): (...params: tf.Tensor[]) => tf.Scalar {
  const act = activationOp(model.activation);
  return (...params) => {
    let a = x;
    let p = 0;
    model.layers.forEach((layer, l) => {
      const weight = params[p++] as tf.Tensor2D;
      let z = tf.mul(tf.matMul(a, tf.transpose(weight)), layer.weightScale) as tf.Tensor2D;
      if (layer.bias) z = tf.add(z, tf.mul(params[p++], layer.biasScale));
      a = l + 1 < model.layers.length ? act(z) : z;
    });
    return tf.squeeze(tf.slice(a, [0, k], [1, 1])) as tf.Scalar;
  };
}

/** Rows ∂f_k(x_i)/∂θ, i = 1…count, flattened in parameter order: [count, P]. */
function jacobian(model: Mlp, samples: Samples, k: number, params: tf.Tensor[]): tf.Tensor2D {
  const inputDim = model.layers[0].inDim;
  const rows: tf.Tensor1D[] = [];
  for (let i = 0; i < samples.count; i++) {
    const xi = tf.tensor2d(samples.values.subarray(i * inputDim, (i + 1) * inputDim), [1, inputDim]);
    const grads = tf.grads(outputOfParams(model, xi, k))(params);
    rows.push(tf.concat(grads.map((g) => tf.reshape(g, [-1]))) as tf.Tensor1D);
  }
  return tf.stack(rows) as tf.Tensor2D;
}

export function naiveKernel(model: Mlp, x: Samples, y: Samples | null = null, options: KernelOptions = {}): Float32Array {
  const outputDim = model.layers[model.layers.length - 1].outDim;
  const result = tf.tidy(() => {
    const params = parameterTensors(model);
    let kernel: tf.Tensor | null = null;
    for (let k = 0; k < outputDim; k++) {
      const jx = jacobian(model, x, k, params);
      const jy = y ? jacobian(model, y, k, params) : jx;
      const term = tf.matMul(jx, tf.transpose(jy));
      kernel = kernel ? tf.add(kernel, term) : term;
    }
    return tf.mul(kernel!, traceScale(options.trace ?? 'sum', outputDim));
  });
  return readAndDispose(result);
}
