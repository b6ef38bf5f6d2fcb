/**
 * erf(z). Infinite width (Williams 1997):
 *   E[φφ]   = (2/π)·arcsin(2·s12/√((1 + 2·s11)(1 + 2·s22)))
 *   E[φ′φ′] = (4/π)/√((1 + 2·s11)(1 + 2·s22) − 4·s12²)
 */
import { erf as erfFunction } from './special';
import type { Activation } from './types';

export const erf: Activation = {
  name: 'erf',
  formula: 'erf(z)',
  phi: erfFunction,
  dphi: (z) => (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z),
  tensor: (tf, z) => tf.erf(z),
  closedForm: (s11, s22, s12, out) => {
    const a = (1 + 2 * s11) * (1 + 2 * s22);
    const ratio = Math.min(1, Math.max(-1, (2 * s12) / Math.sqrt(a)));
    out[0] = (2 / Math.PI) * Math.asin(ratio);
    out[1] = 4 / Math.PI / Math.sqrt(a - 4 * s12 * s12);
  },
};
