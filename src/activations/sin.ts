/**
 * sin(z); φ′ = cos(z). Infinite width in closed form, from
 * E[e^{i(u ± v)}] = e^{−(s11 + s22 ± 2·s12)/2}:
 *   E[sin u sin v] = e^{−(s11 + s22)/2}·sinh(s12) = sign(s12)·e^{−(s11 + s22 − 2|s12|)/2}·(1 − e^{−2|s12|})/2,
 *   E[cos u cos v] = e^{−(s11 + s22)/2}·cosh(s12) = e^{−(s11 + s22 − 2|s12|)/2}·(1 + e^{−2|s12|})/2,
 * taken in the second form: its exponents are at most 0 (|s12| ≤ √(s11·s22) ≤ (s11 + s22)/2),
 * where sinh and cosh of a large s12 overflow before the damping brings them back, and
 * 1 − e^{−2|s12|} is expm1's, exact for a small s12.
 */
import type { Activation } from './types';

export const sin: Activation = {
  name: 'sin',
  formula: 'sin(z)',
  phi: Math.sin,
  dphi: Math.cos,
  tensor: (tf, z) => tf.sin(z),
  closedForm: (s11, s22, s12, out) => {
    const c = Math.abs(s12);
    const damping = Math.exp(-(s11 + s22 - 2 * c) / 2);
    out[0] = (Math.sign(s12) * damping * -Math.expm1(-2 * c)) / 2;
    out[1] = (damping * (1 + Math.exp(-2 * c))) / 2;
  },
};
