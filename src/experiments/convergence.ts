/**
 * How fast the empirical NTK approaches its infinite-width limit: for each
 * width and seed, ‖K_w − K_∞‖_F / ‖K_∞‖_F, with a power law fitted across
 * widths (theory: the fluctuations of K_w shrink like w^(−1/2)).
 *
 * Every network sees the same inputs, `torch.manual_seed(seed); torch.randn(n, d)`;
 * replicate s of each width is the network drawn after `torch.manual_seed(seed + 1 + s)`.
 */
import { analyticKernels, type AnalyticActivation } from '../kernel/analytic';
import { structuredKernel, type Samples } from '../kernel/structured';
import { initMlp } from '../model/mlp';
import { TorchGenerator } from '../model/torchRandom';
import { fitPowerLaw, type PowerLawFit } from '../render/charts';

export interface WidthSweep {
  widths: number[];
  seeds: number;
  seed: bigint;
  inputDim: number;
  depth: number;
  samples: number;
  activation: AnalyticActivation;
  sigmaW: number;
  sigmaB: number;
}

export interface ConvergenceResult {
  widths: number[];
  /** distances[i][s]: width i, replicate s. */
  distances: number[][];
  /** Geometric mean over replicates, per width. */
  mean: number[];
  fit: PowerLawFit;
  inputs: Samples;
  analytic: Float64Array;
  /** The first replicate's kernel at each width. */
  kernels: Float32Array[];
}

export function relativeFrobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

export function geometricMean(values: number[]): number {
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

/** The shared inputs of a sweep. */
export function sweepInputs(sweep: WidthSweep): Samples {
  return { values: new TorchGenerator(sweep.seed).randn(sweep.samples * sweep.inputDim), count: sweep.samples };
}

/** Replicate s of a width: an NTK-parameterised network from `torch.manual_seed(seed + 1 + s)`. */
export function sweepNetwork(sweep: WidthSweep, width: number, replicate: number) {
  const shape = {
    inputDim: sweep.inputDim,
    width,
    depth: sweep.depth,
    outputDim: 1,
    activation: sweep.activation,
    parameterization: 'ntk' as const,
    sigmaW: sweep.sigmaW,
    sigmaB: sweep.sigmaB,
  };
  return initMlp(shape, new TorchGenerator(sweep.seed + 1n + BigInt(replicate)));
}

/** Runs on the active TensorFlow.js backend. */
export function convergence(sweep: WidthSweep, onStep?: (width: number, replicate: number) => void): ConvergenceResult {
  const inputs = sweepInputs(sweep);
  const analytic = analyticKernels({ ...sweep, outputDim: 1 }, inputs).ntk;
  const distances: number[][] = [];
  const kernels: Float32Array[] = [];
  for (const width of sweep.widths) {
    const row: number[] = [];
    for (let s = 0; s < sweep.seeds; s++) {
      onStep?.(width, s);
      const kernel = structuredKernel(sweepNetwork(sweep, width, s), inputs);
      if (s === 0) kernels.push(kernel);
      row.push(relativeFrobenius(kernel, analytic));
    }
    distances.push(row);
  }
  const mean = distances.map(geometricMean);
  return { widths: sweep.widths, distances, mean, fit: fitPowerLaw(sweep.widths, mean), inputs, analytic, kernels };
}
