/**
 * relu(z) = max(0, z). Infinite width: the arc-cosine kernel of degree 1 and
 * its derivative of degree 0 (Cho & Saul 2009), with cos θ = s12/√(s11·s22):
 *   E[φφ]   = √(s11·s22)·(sin θ + (π − θ)·cos θ)/(2π)
 *   E[φ′φ′] = (π − θ)/(2π)
 */
import { nativeFor } from '../native';
import type { Activation } from './types';

export const relu: Activation = {
  name: 'relu',
  formula: 'max(0, z)',
  phi: (z) => (z > 0 ? z : 0),
  dphi: (z) => (z > 0 ? 1 : 0),
  kinks: [0],
  mapArray(z, n, out, derivative) {
    // Natively where it was built: a random sign is a mispredicted branch per element in JavaScript.
    const native = nativeFor(n);
    if (native?.reluMap) return native.reluMap(n === z.length ? z : z.subarray(0, n), out, derivative);
    for (let i = 0; i < n; i++) {
      const v = z[i]!;
      const positive = v > 0;
      out[i] = positive ? v : 0;
      derivative[i] = positive ? 1 : 0;
    }
  },
  tensor: (tf, z) => tf.relu(z),
  closedForm: (s11, s22, s12, out) => {
    const norm = Math.sqrt(s11 * s22);
    if (norm === 0) {
      out[0] = 0;
      out[1] = 0.5;
      return;
    }
    const cos = Math.min(1, Math.max(-1, s12 / norm));
    const theta = Math.acos(cos);
    out[0] = (norm * (Math.sin(theta) + (Math.PI - theta) * cos)) / (2 * Math.PI);
    out[1] = (Math.PI - theta) / (2 * Math.PI);
  },
};
