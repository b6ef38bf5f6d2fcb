/**
 * Full-batch gradient descent on the squared loss
 *   L = ½ · mean over all m = n·o targets of (f_a(x_i) − y_ia)²,
 * the training the NTK describes (Jacot et al. 2018; Lee et al. 2019;
 * neural-tangents' predict uses the same m), with the network's forward and
 * backward passes (model/forward.ts): ∂L/∂f = (f − y)/m, then each layer with
 * parameters takes its step (layers/: W ← W − η·∂L/∂W), in float32.
 * O(steps · n · Σ cost of each layer).
 */
import { kindOf } from '../layers';
import type { Linalg } from '../linalg/types';
import { samplesView, type MatrixView, type Samples } from '../types';
import { backward, forward } from './forward';
import type { Network } from './network';

/**
 * Training that diverged: the loss stopped being a finite number, or grew to
 * DIVERGENCE_FACTOR times where it started (a rate beyond the stable 2m/λ_max
 * grows it geometrically; a few orders of magnitude is past any transient).
 */
export class DivergenceError extends Error {
  constructor(readonly step: number, readonly loss: number, readonly learningRate: number, initial: number) {
    super(
      Number.isFinite(loss)
        ? `gradient descent diverged: the training loss grew from ${initial.toPrecision(3)} to ${loss.toPrecision(3)} by step ${step} with learning rate ${learningRate}`
        : `gradient descent diverged: the training loss was ${loss} at step ${step} with learning rate ${learningRate}`,
    );
  }
}

/** A loss this many times its starting value is divergence. */
export const DIVERGENCE_FACTOR = 1e3;

/** ½·mean of (f − y)² over all targets, and the residuals f − y. */
function lossAndResiduals(output: MatrixView, targets: MatrixView): { loss: number; residuals: MatrixView } {
  const residuals = { data: new Float32Array(output.rows * output.cols), rows: output.rows, cols: output.cols };
  let sum = 0;
  for (let i = 0; i < residuals.data.length; i++) {
    const r = output.data[i] - targets.data[i];
    residuals.data[i] = r;
    sum += r * r;
  }
  return { loss: (0.5 * sum) / residuals.data.length, residuals };
}

/** The training loss of `network` on (inputs, targets). */
export function squaredLoss(network: Network, inputs: Samples, targets: MatrixView, linalg: Linalg): number {
  return lossAndResiduals(forward(network, samplesView(inputs), linalg).output, targets).loss;
}

/**
 * Train `network` in place for `steps` steps of rate `learningRate`; returns
 * the loss before every step and after the last (steps + 1 values).
 * `observe`, if given, sees the network before every step and after the last.
 */
export function trainFullBatch(
  network: Network,
  inputs: Samples,
  targets: MatrixView,
  steps: number,
  learningRate: number,
  linalg: Linalg,
  observe?: (step: number, network: Network) => void,
): number[] {
  const x = samplesView(inputs);
  const losses: number[] = [];
  for (let step = 0; ; step++) {
    observe?.(step, network);
    const pass = forward(network, x, linalg);
    const { loss, residuals } = lossAndResiduals(pass.output, targets);
    if (!Number.isFinite(loss) || (step > 0 && loss > DIVERGENCE_FACTOR * losses[0])) throw new DivergenceError(step, loss, learningRate, losses[0] ?? loss);
    losses.push(loss);
    if (step === steps) return losses;
    const m = residuals.data.length;
    for (let i = 0; i < m; i++) residuals.data[i] /= m;
    const deltas = backward(network, pass, residuals, linalg);
    network.layers.forEach((layer, l) => {
      const delta = deltas[l];
      if (delta) kindOf(layer).descend!(layer, pass.layers[l], delta, learningRate, linalg);
    });
  }
}
