/**
 * PyTorch's default (exact) GELU: z·Φ(z) = z/2·(1 + erf(z/√2)), with
 * φ′(z) = Φ(z) + z·φ_N(z) as PyTorch's GeluBackward computes it. Infinite
 * width by quadrature.
 */
import { normalCdf, normalPdf } from './special';
import type { Activation } from './types';

export const gelu: Activation = {
  name: 'gelu',
  formula: 'z·Φ(z), the exact erf form',
  phi: (z) => z * normalCdf(z),
  dphi: (z) => normalCdf(z) + z * normalPdf(z),
  tensor: (tf, z) => tf.mul(tf.mul(z, 0.5), tf.add(1, tf.erf(tf.mul(z, Math.SQRT1_2)))),
  closedForm: null,
};
