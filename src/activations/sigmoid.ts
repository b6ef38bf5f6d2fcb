/** The logistic sigmoid 1/(1 + e^−z); φ′ = φ·(1 − φ). Infinite width by quadrature. */
import type { Activation } from './types';

const logistic = (z: number) => 1 / (1 + Math.exp(-z));

export const sigmoid: Activation = {
  name: 'sigmoid',
  formula: '1/(1 + e^−z)',
  phi: logistic,
  dphi: (z) => {
    const s = logistic(z);
    return s * (1 - s);
  },
  tensor: (tf, z) => tf.sigmoid(z),
  closedForm: null,
};
