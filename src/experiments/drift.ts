/**
 * How much training moves the NTK: full-batch gradient descent from the
 * NTK-parameterised initialisation (model/train.ts), then ‖K_T − K_0‖_F / ‖K_0‖_F
 * per width (theory: the change shrinks like w^(−1/2); in the infinite-width
 * limit the kernel stays fixed and training is kernel regression with K_0).
 */
import { kernelMatrix } from '../kernel/matrix';
import type { Linalg } from '../linalg/types';
import { fitPowerLaw, geometricMean, relativeFrobenius, type PowerLawFit } from '../math/fit';
import { trainFullBatch } from '../model/train';
import type { Samples } from '../types';
import { sweepInputs, sweepNetwork, type WidthSweep } from './convergence';

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
  return Float32Array.from({ length: inputs.count }, (_, i) => Math.sin(2 * inputs.values[i * inputs.dim]));
}

export function drift(spec: DriftSpec, linalg: Linalg): DriftResult {
  const inputs = sweepInputs(spec);
  const targets = { data: spec.targets ?? defaultTargets(inputs), rows: inputs.count, cols: 1 };
  const driftRows: number[][] = [];
  const lossRows: number[][] = [];
  for (const width of spec.widths) {
    const row: number[] = [];
    const losses: number[] = [];
    for (let s = 0; s < spec.seeds; s++) {
      const model = sweepNetwork(spec, width, s);
      const before = kernelMatrix(model, inputs, null, linalg);
      const trajectory = trainFullBatch(model, inputs, targets, spec.steps, spec.learningRate, linalg);
      losses.push(trajectory[trajectory.length - 1]);
      row.push(relativeFrobenius(kernelMatrix(model, inputs, null, linalg), before));
    }
    driftRows.push(row);
    lossRows.push(losses);
  }
  const mean = driftRows.map(geometricMean);
  return { widths: spec.widths, drift: driftRows, mean, finalLoss: lossRows, fit: fitPowerLaw(spec.widths, mean) };
}
