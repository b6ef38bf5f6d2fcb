/** identity(z) = z: a linear network. Infinite width: E[φφ] = s12, E[φ′φ′] = 1. */
import type { Activation } from './types';

export const identity: Activation = {
  name: 'identity',
  formula: 'z',
  phi: (z) => z,
  dphi: () => 1,
  tensor: (_tf, z) => z,
  closedForm: (_s11, _s22, s12, out) => {
    out[0] = s12;
    out[1] = 1;
  },
};
