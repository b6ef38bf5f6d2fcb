/** tanh(z); φ′ = 1 − tanh²(z). Infinite width by quadrature (no closed form). */
import type { Activation } from './types';

export const tanh: Activation = {
  name: 'tanh',
  formula: 'tanh(z)',
  phi: Math.tanh,
  dphi: (z) => {
    const t = Math.tanh(z);
    return 1 - t * t;
  },
  tensor: (tf, z) => tf.tanh(z),
  closedForm: null,
};
