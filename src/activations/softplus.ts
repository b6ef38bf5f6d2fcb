/**
 * PyTorch's softplus (β = 1, threshold 20): log(1 + e^z), and z itself above
 * the threshold, where the two agree in float32; φ′ = e^z/(1 + e^z), 1 above
 * it. Infinite width by quadrature.
 */
import type { Activation } from './types';

const THRESHOLD = 20;

export const softplus: Activation = {
  name: 'softplus',
  formula: 'log(1 + e^z) (z above 20)',
  phi: (z) => (z > THRESHOLD ? z : Math.log1p(Math.exp(z))),
  dphi: (z) => {
    if (z > THRESHOLD) return 1;
    const e = Math.exp(z);
    return e / (e + 1);
  },
  // Above 20, log(1 + e^z) and z agree in float32 (and so do their gradients), so tfjs's stable softplus is PyTorch's.
  tensor: (tf, z) => tf.softplus(z),
  closedForm: null,
};
