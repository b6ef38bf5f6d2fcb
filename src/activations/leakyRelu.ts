/**
 * leaky_relu:α = max(z, 0) + α·min(z, 0) (PyTorch's negative_slope α,
 * default 0.01); φ′ = 1 for z > 0, α otherwise. Infinite width in closed form
 * (neural-tangents' ABRelu with a = α, b = 1): with φ = relu(z) − α·relu(−z),
 * J(ρ) = √(s11·s22)·(sin θ + (π − θ)·cos θ)/(2π) and cos θ = ρ,
 *   E[φφ]   = (1 + α²)·J(θ) − 2α·J(π − θ),
 *   E[φ′φ′] = (1 + α²)·(π − θ)/(2π) + 2α·θ/(2π).
 */
import type { Activation } from './types';

function arcCosine(norm: number, theta: number): number {
  return (norm * (Math.sin(theta) + (Math.PI - theta) * Math.cos(theta))) / (2 * Math.PI);
}

export function leakyRelu(alpha: number): Activation {
  return {
    name: alpha === 0.01 ? 'leaky_relu' : `leaky_relu:${alpha}`,
    formula: `max(z, 0) + ${alpha}·min(z, 0)`,
    phi: (z) => (z > 0 ? z : alpha * z),
    dphi: (z) => (z > 0 ? 1 : alpha),
    kinks: [0],
    tensor: (tf, z) => tf.leakyRelu(z, alpha),
    closedForm: (s11, s22, s12, out) => {
      const norm = Math.sqrt(s11 * s22);
      const theta = norm === 0 ? Math.PI / 2 : Math.acos(Math.min(1, Math.max(-1, s12 / norm)));
      out[0] = (1 + alpha * alpha) * arcCosine(norm, theta) - 2 * alpha * arcCosine(norm, Math.PI - theta);
      out[1] = ((1 + alpha * alpha) * (Math.PI - theta) + 2 * alpha * theta) / (2 * Math.PI);
    },
  };
}
