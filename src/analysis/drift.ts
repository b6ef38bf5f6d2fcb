/**
 * How much training moves the NTK: full-batch gradient descent from the
 * NTK-parameterised initialisation (model/train.ts), then ‖K_T − K_0‖_F / ‖K_0‖_F
 * per width (theory: the change shrinks like w^(−1/2); in the infinite-width
 * limit the kernel stays fixed and training is kernel regression with K_0).
 * With class labels, the targets are the centred one-hot classes (one output
 * per class) and the kernel's centred alignment with the labels is followed
 * along training: it grows as finite networks learn features (Baratin et al.
 * 2021; Shan & Bordelon 2021), and stays put at infinite width.
 */
import type { Linalg } from '../linalg/types';
import { fitPowerLaw, geometricMean, relativeFrobenius, type PowerLawFit } from '../math/fit';
import { trainFullBatch } from '../model/train';
import { kernelAlignment } from '../analysis/alignment';
import type { Classes } from '../analysis/labels';
import type { KernelSource } from '../pipeline';
import type { Samples } from '../types';
import { outputCount } from '../model/architecture';
import { sweepInputs, sweepNetwork, type WidthSweep } from './convergence';

export interface DriftSpec extends WidthSweep {
  steps: number;
  learningRate: number;
  /** Targets, n × outputDim; default sin(2·x₀) of each input's first coordinate. */
  targets?: Float32Array;
  /** Classes of the inputs: the alignment is recorded along training. */
  classes?: Classes;
}

/** Centred alignment against the step, for one width (mean over replicates). */
export interface AlignmentCurve {
  width: number;
  steps: number[];
  mean: number[];
}

export interface DriftResult {
  widths: number[];
  /** drift[i][s]: width i, replicate s. */
  drift: number[][];
  mean: number[];
  /** Final training loss, width i, replicate s. */
  finalLoss: number[][];
  fit: PowerLawFit;
  /** With classes: the centred alignment along training, per width. */
  alignment: AlignmentCurve[] | null;
}

/** Steps at which the alignment is recorded: 0 and about 20 log-spaced ones up to the last. */
export function alignmentSteps(steps: number): number[] {
  const recorded = new Set([0, steps]);
  for (let k = 0; k <= 20; k++) recorded.add(Math.round(10 ** ((k * Math.log10(steps)) / 20)));
  return [...recorded].sort((a, b) => a - b);
}

/** The default regression target: y = sin(2·x₀). */
export function defaultTargets(inputs: Samples): Float32Array {
  return Float32Array.from({ length: inputs.count }, (_, i) => Math.sin(2 * inputs.values[i * inputs.dim]));
}

export function drift(spec: DriftSpec, linalg: Linalg, kernels: KernelSource): DriftResult {
  const inputs = sweepInputs(spec);
  const outputs = outputCount(spec.architecture);
  const targets = { data: spec.targets ?? defaultTargets(inputs), rows: inputs.count, cols: outputs };
  const trace = 'mean';
  const recorded = spec.classes ? alignmentSteps(spec.steps) : [];
  const driftRows: number[][] = [];
  const lossRows: number[][] = [];
  const alignment: AlignmentCurve[] = [];
  for (const width of spec.widths) {
    const row: number[] = [];
    const losses: number[] = [];
    const sums = recorded.map(() => 0);
    for (let s = 0; s < spec.seeds; s++) {
      const model = sweepNetwork(spec, width, s);
      const before = kernels.empirical(model, inputs, null, trace);
      const observe = (step: number) => {
        const k = recorded.indexOf(step);
        if (k >= 0) sums[k] += kernelAlignment(step === 0 ? before : kernels.empirical(model, inputs, null, trace), spec.classes!).centeredAlignment;
      };
      const trajectory = trainFullBatch(model, inputs, targets, spec.steps, spec.learningRate, linalg, spec.classes ? observe : undefined);
      losses.push(trajectory[trajectory.length - 1]);
      row.push(relativeFrobenius(kernels.empirical(model, inputs, null, trace), before));
    }
    driftRows.push(row);
    lossRows.push(losses);
    if (spec.classes) alignment.push({ width, steps: recorded, mean: sums.map((v) => v / spec.seeds) });
  }
  const mean = driftRows.map(geometricMean);
  return { widths: spec.widths, drift: driftRows, mean, finalLoss: lossRows, fit: fitPowerLaw(spec.widths, mean), alignment: spec.classes ? alignment : null };
}

/** Centred one-hot targets, n × classes: 1 − 1/C for the sample's class, −1/C for the others. */
export function oneHotTargets(classes: Classes): Float32Array {
  const n = classes.index.length;
  const c = classes.names.length;
  const out = new Float32Array(n * c).fill(-1 / c);
  for (let i = 0; i < n; i++) out[i * c + classes.index[i]] += 1;
  return out;
}
