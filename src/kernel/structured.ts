/**
 * The empirical NTK of a dense network without building the Jacobian.
 *
 * For layer l with z_l = s_w·W_l a_{l-1} + s_b·b_l, the chain rule gives
 * ∂f/∂W_l = s_w·g_l a_{l-1}ᵀ and ∂f/∂b_l = s_b·g_l, with g_l = ∂f/∂z_l. The
 * inner product of two such rank-one gradients factorises, so
 *
 *   Θ(x, x') = Σ_l (s_w² a_{l-1}(x)·a_{l-1}(x') + s_b²) · (g_l(x)·g_l(x'))
 *
 * (s_b² only where the layer has a bias; this is neural-tangents'
 * "structured derivatives" implementation of empirical_ntk_fn for Dense
 * layers). With several outputs, Σ_k g_l^k(x)·g_l^k(x') is one product of the
 * outputs' g_l placed side by side. Cost: one batched forward pass, one
 * backward pass per output, and two n×n matrix products per layer; the n×P
 * Jacobian is never formed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Mlp } from '../model/mlp';
import { makeForward, readAndDispose } from './forward';
import { traceScale, type Trace } from './trace';

export interface KernelOptions {
  trace?: Trace;
}

/** Row-major float32 samples: `count` rows of `dim` values. */
export interface Samples {
  values: Float32Array;
  count: number;
}

export interface LayerFactors {
  /** a_{l-1} per layer, [n, inDim_l]. */
  inputs: tf.Tensor2D[];
  /** g_l of every output side by side per layer, [n, outputDim·outDim_l]. */
  gradients: tf.Tensor2D[];
}

export function layerFactors(model: Mlp, x: tf.Tensor2D): LayerFactors {
  const forward = makeForward(model);
  const n = x.shape[0];
  const outputDim = model.layers[model.layers.length - 1].outDim;
  const { layerInputs } = forward(x);
  const shifts = model.layers.map((layer) => tf.zeros([n, layer.outDim]) as tf.Tensor2D);
  const perOutput: tf.Tensor2D[][] = [];
  for (let k = 0; k < outputDim; k++) {
    // Σ_i f_k(x_i): its gradient with respect to the shift of z_l in row i is g_l^k(x_i).
    const outputK = (...s: tf.Tensor[]) => tf.sum(tf.slice(forward(x, s as tf.Tensor2D[]).output, [0, k], [n, 1]));
    perOutput.push(tf.grads(outputK)(shifts) as tf.Tensor2D[]);
  }
  const gradients = model.layers.map((_, l) =>
    outputDim === 1 ? perOutput[0][l] : (tf.concat(perOutput.map((g) => g[l]), 1) as tf.Tensor2D),
  );
  return { inputs: layerInputs, gradients };
}

/** a·bᵀ, with the transpose made explicitly (see forward.ts for why). */
function gram(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, tf.transpose(b));
}

/**
 * Θ(X, Y) as a row-major [X.count, Y.count] Float32Array (Y defaults to X).
 * Runs on the active TensorFlow.js backend.
 */
export function structuredKernel(model: Mlp, x: Samples, y: Samples | null = null, options: KernelOptions = {}): Float32Array {
  const inputDim = model.layers[0].inDim;
  const outputDim = model.layers[model.layers.length - 1].outDim;
  // tidy returns the tensor, not its data: tidy walks a returned container element by element looking
  // for tensors, which for an n² Float32Array cost seconds (4.2 s of 4.5 s at n = 2000).
  const result = tf.tidy(() => {
    const fx = layerFactors(model, tf.tensor2d(x.values, [x.count, inputDim]));
    const fy = y ? layerFactors(model, tf.tensor2d(y.values, [y.count, inputDim])) : fx;
    let kernel: tf.Tensor2D | null = null as tf.Tensor2D | null;
    model.layers.forEach((layer, l) => {
      let inputTerm = tf.mul(gram(fx.inputs[l], fy.inputs[l]), layer.weightScale ** 2);
      if (layer.bias) inputTerm = tf.add(inputTerm, layer.biasScale ** 2);
      const term = tf.mul(inputTerm, gram(fx.gradients[l], fy.gradients[l])) as tf.Tensor2D;
      kernel = kernel ? (tf.add(kernel, term) as tf.Tensor2D) : term;
    });
    return tf.mul(kernel!, traceScale(options.trace ?? 'sum', outputDim));
  });
  return readAndDispose(result);
}
