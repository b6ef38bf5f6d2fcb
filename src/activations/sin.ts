/**
 * sin(z); φ′ = cos(z). Infinite width in closed form, from
 * E[e^{i(u ± v)}] = e^{−(s11 + s22 ± 2·s12)/2}:
 *   E[sin u sin v] = e^{−(s11 + s22)/2}·sinh(s12),
 *   E[cos u cos v] = e^{−(s11 + s22)/2}·cosh(s12).
 */
import type { Activation } from './types';

export const sin: Activation = {
  name: 'sin',
  formula: 'sin(z)',
  phi: Math.sin,
  dphi: Math.cos,
  tensor: (tf, z) => tf.sin(z),
  closedForm: (s11, s22, s12, out) => {
    const damping = Math.exp(-(s11 + s22) / 2);
    out[0] = damping * Math.sinh(s12);
    out[1] = damping * Math.cosh(s12);
  },
};
