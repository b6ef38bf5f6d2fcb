/**
 * How much training moves the NTK: full-batch gradient descent from the
 * NTK-parameterised initialisation, then ‖K_T − K_0‖_F / ‖K_0‖_F per width
 * (theory: the change shrinks like w^(−1/2); in the infinite-width limit the
 * kernel stays fixed and training is kernel regression with K_0).
 *
 * Loss: ½·mean over samples of ‖f(x) − y‖², minimised by tf.train.sgd.
 */
import * as tf from '@tensorflow/tfjs';
import { activationOp } from '../kernel/forward';
import { structuredKernel, type Samples } from '../kernel/structured';
import type { Mlp } from '../model/mlp';
import { fitPowerLaw, type PowerLawFit } from '../render/charts';
import { geometricMean, relativeFrobenius, sweepInputs, sweepNetwork, type WidthSweep } from './convergence';

export interface DriftSpec extends WidthSweep {
  steps: number;
  learningRate: number;
  /** Targets [n] (one output); default sin(2·x₀) of each input's first coordinate. */
  targets?: Float32Array;
}

export interface DriftResult {
  widths: number[];
  /** drift[i][s]: width i, replicate s. */
  drift: number[][];
  mean: number[];
  /** Final training loss, width i, replicate s. */
  finalLoss: number[][];
  fit: PowerLawFit;
}

/** The default regression target: y = sin(2·x₀). */
export function defaultTargets(inputs: Samples): Float32Array {
  const d = inputs.values.length / inputs.count;
  return Float32Array.from({ length: inputs.count }, (_, i) => Math.sin(2 * inputs.values[i * d]));
}

/** Train `model` in place by full-batch gradient descent; returns the final loss. */
export function trainFullBatch(model: Mlp, inputs: Samples, targets: Float32Array, steps: number, learningRate: number): number {
  const act = activationOp(model.activation);
  const d = model.layers[0].inDim;
  const variables = model.layers.map((layer) => ({
    weight: tf.variable(tf.tensor2d(layer.weight, [layer.outDim, layer.inDim])),
    bias: layer.bias ? tf.variable(tf.tensor1d(layer.bias)) : null,
  }));
  const x = tf.tensor2d(inputs.values, [inputs.count, d]);
  const y = tf.tensor2d(targets, [inputs.count, 1]);
  const loss = () =>
    tf.tidy(() => {
      let a: tf.Tensor2D = x;
      model.layers.forEach((layer, l) => {
        let z = tf.mul(tf.matMul(a, tf.transpose(variables[l].weight)), layer.weightScale) as tf.Tensor2D;
        const bias = variables[l].bias;
        if (bias) z = tf.add(z, tf.mul(bias, layer.biasScale));
        a = l + 1 < model.layers.length ? act(z) : z;
      });
      return tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(a, y)), 1))) as tf.Scalar;
    });
  const optimizer = tf.train.sgd(learningRate);
  for (let step = 0; step < steps; step++) optimizer.minimize(loss, false)?.dispose();
  const finalLoss = tf.tidy(() => loss().dataSync()[0]);
  variables.forEach((v, l) => {
    model.layers[l].weight = Float32Array.from(v.weight.dataSync());
    if (v.bias) model.layers[l].bias = Float32Array.from(v.bias.dataSync());
    v.weight.dispose();
    v.bias?.dispose();
  });
  tf.dispose([x, y]);
  optimizer.dispose();
  return finalLoss;
}

/** Runs on the active TensorFlow.js backend. */
export function drift(spec: DriftSpec, onStep?: (width: number, replicate: number) => void): DriftResult {
  const inputs = sweepInputs(spec);
  const targets = spec.targets ?? defaultTargets(inputs);
  const driftRows: number[][] = [];
  const lossRows: number[][] = [];
  for (const width of spec.widths) {
    const row: number[] = [];
    const losses: number[] = [];
    for (let s = 0; s < spec.seeds; s++) {
      onStep?.(width, s);
      const model = sweepNetwork(spec, width, s);
      const before = structuredKernel(model, inputs);
      losses.push(trainFullBatch(model, inputs, targets, spec.steps, spec.learningRate));
      row.push(relativeFrobenius(structuredKernel(model, inputs), before));
    }
    driftRows.push(row);
    lossRows.push(losses);
  }
  const mean = driftRows.map(geometricMean);
  return { widths: spec.widths, drift: driftRows, mean, finalLoss: lossRows, fit: fitPowerLaw(spec.widths, mean) };
}
