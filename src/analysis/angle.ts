/**
 * The kernel against the angle between two inputs (Jacot et al. 2018, Fig. 1):
 * Θ(x₀, x(γ)) for x₀ = e₁ and x(γ) = cos γ·e₁ + sin γ·e₂, γ over [−π, π], for
 * networks of several widths (a few seeds each) and, in NTK parameterization,
 * the infinite-width limit. Optionally after training each network by full-batch
 * gradient descent on the circle's points with drift's target sin(2·x₀).
 */
import { infiniteSpecOf } from '../kernel/analytic';
import type { Linalg } from '../linalg/types';
import { initMlp, type Parameterization } from '../model/mlp';
import { TorchGenerator } from '../model/torchRandom';
import { trainFullBatch } from '../model/train';
import type { KernelSource } from '../pipeline';
import type { Samples } from '../types';

export interface AngleSweep {
  widths: number[];
  seeds: number;
  seed: bigint;
  inputDim: number;
  depth: number;
  activation: string;
  parameterization: Parameterization;
  sigmaW: number;
  sigmaB: number;
  points: number;
  /** Gradient-descent steps before the kernel is measured (0: at initialisation). */
  steps: number;
  learningRate: number;
  quadrature?: number;
}

export interface AngleResult {
  /** γ in radians, from −π to π. */
  angles: number[];
  /** Θ_∞(x₀, x(γ)), or null in standard parameterization (no finite limit). */
  analytic: number[] | null;
  empirical: { width: number; mean: number[]; min: number[]; max: number[] }[];
}

/** x₀ and the points x(γ) on the unit circle in the first two coordinates. */
export function anglePoints(points: number, dim: number): { x0: Samples; circle: Samples; angles: number[] } {
  const angles = Array.from({ length: points }, (_, i) => -Math.PI + (2 * Math.PI * i) / (points - 1));
  const x0 = new Float32Array(dim);
  x0[0] = 1;
  const values = new Float32Array(points * dim);
  angles.forEach((g, i) => {
    values[i * dim] = Math.cos(g);
    values[i * dim + 1] = Math.sin(g);
  });
  return { x0: { values: x0, count: 1, dim }, circle: { values, count: points, dim }, angles };
}

export function angleSweep(sweep: AngleSweep, linalg: Linalg, kernels: KernelSource): AngleResult {
  const { x0, circle, angles } = anglePoints(sweep.points, sweep.inputDim);
  const spec = { inputDim: sweep.inputDim, depth: sweep.depth, outputDim: 1, activation: sweep.activation, sigmaW: sweep.sigmaW, sigmaB: sweep.sigmaB, quadrature: { nodes: sweep.quadrature } };
  const analytic = sweep.parameterization === 'ntk' && sweep.steps === 0 ? Array.from(kernels.infinite(infiniteSpecOf(spec), x0, circle)) : null;
  const targets = { data: Float32Array.from(angles, (g) => Math.sin(2 * Math.cos(g))), rows: sweep.points, cols: 1 };
  const empirical = sweep.widths.map((width) => {
    const curves: Float32Array[] = [];
    for (let s = 0; s < sweep.seeds; s++) {
      const shape = { ...spec, width, parameterization: sweep.parameterization };
      const model = initMlp(shape, new TorchGenerator(sweep.seed + 1n + BigInt(s)));
      if (sweep.steps > 0) trainFullBatch(model, circle, targets, sweep.steps, sweep.learningRate, linalg);
      curves.push(kernels.empirical(model, x0, circle));
    }
    const at = (i: number) => curves.map((c) => c[i]);
    return {
      width,
      mean: angles.map((_, i) => at(i).reduce((a, b) => a + b, 0) / curves.length),
      min: angles.map((_, i) => Math.min(...at(i))),
      max: angles.map((_, i) => Math.max(...at(i))),
    };
  });
  return { angles, analytic, empirical };
}
