/**
 * How fast the empirical NTK approaches its infinite-width limit: for each
 * width and seed, ‖K_w − K_∞‖_F / ‖K_∞‖_F, with a power law fitted across
 * widths (theory: the fluctuations of K_w shrink like w^(−1/2)).
 *
 * Every network sees the same inputs, `torch.manual_seed(seed); torch.randn(n, d)`;
 * replicate s of each width is the network drawn after `torch.manual_seed(seed + 1 + s)`.
 */
import { fitPowerLaw, geometricMean, relativeFrobenius, type PowerLawFit } from '../math/fit';
import type { InfiniteSpec } from '../kernel/analytic';
import { resolveLayers, type Architecture } from '../model/architecture';
import { buildNetwork, sizeOf, type Network } from '../model/network';
import type { KernelSource } from '../pipeline';
import { TorchGenerator } from '../model/torchRandom';
import type { Samples } from '../types';

export interface WidthSweep {
  widths: number[];
  seeds: number;
  seed: bigint;
  /** The network, its hidden sizes 'W' (the MLP shorthand, or --arch). */
  architecture: Architecture;
  samples: number;
  sigmaW: number;
  sigmaB: number;
  /** Nodes per axis for an infinite-width kernel by quadrature (default: adaptive). */
  quadrature?: number;
  /** Inputs to use instead of drawing them (a dataset). */
  inputs?: Samples;
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

/** The shared inputs of a sweep: torch.randn(n, *input shape). */
export function sweepInputs(sweep: WidthSweep): Samples {
  if (sweep.inputs) return sweep.inputs;
  const dim = sizeOf(sweep.architecture.input);
  return { values: new TorchGenerator(sweep.seed).randn(sweep.samples * dim), count: sweep.samples, dim };
}

/** Replicate s of a width: an NTK-parameterised network from `torch.manual_seed(seed + 1 + s)`. */
export function sweepNetwork(sweep: WidthSweep, width: number, replicate: number): Network {
  const options = { parameterization: 'ntk' as const, sigmaW: sweep.sigmaW, sigmaB: sweep.sigmaB };
  return buildNetwork(resolveLayers(sweep.architecture, width), sweep.architecture.input, options, new TorchGenerator(sweep.seed + 1n + BigInt(replicate)));
}

/** The sweep's network at infinite width. */
function sweepInfinite(sweep: WidthSweep): InfiniteSpec {
  return { architecture: sweep.architecture, sigmaW: sweep.sigmaW, sigmaB: sweep.sigmaB, trace: 'sum', quadrature: { nodes: sweep.quadrature } };
}

export function convergence(sweep: WidthSweep, kernels: KernelSource): ConvergenceResult {
  const inputs = sweepInputs(sweep);
  const analytic = kernels.infinite(sweepInfinite(sweep), inputs, null);
  const distances: number[][] = [];
  const firstKernels: Float32Array[] = [];
  for (const width of sweep.widths) {
    const row: number[] = [];
    for (let s = 0; s < sweep.seeds; s++) {
      const kernel = kernels.empirical(sweepNetwork(sweep, width, s), inputs, null);
      if (s === 0) firstKernels.push(kernel);
      row.push(relativeFrobenius(kernel, analytic));
    }
    distances.push(row);
  }
  const mean = distances.map(geometricMean);
  return { widths: sweep.widths, distances, mean, fit: fitPowerLaw(sweep.widths, mean), inputs, analytic, kernels: firstKernels };
}
