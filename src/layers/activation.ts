/**
 * An activation φ applied elementwise, as a layer: the activation files
 * (activations/) define φ, φ′, its tensor form and its infinite-width maps;
 * this puts them in a network. Forward keeps φ′ at the inputs, which is all
 * the backward pass needs (δ_in = δ ⊙ φ′(z)). Infinite width: for the pair's
 * (u, v) ~ N(0, [[Σ(x,x), Σ(x,x′)], [Σ(x,x′), Σ(x′,x′)]]),
 * Σ ↦ E[φ(u)φ(v)] and Θ ↦ E[φ′(u)φ′(v)]·Θ.
 */
import { activation, dualMap } from '../activations';
import { floatArray } from '../linalg/memory';
import type { LayerKind } from './types';

export interface ActivationSpec {
  kind: 'activation';
  /** An activation's name as --activation takes it (leaky_relu:0.2 included). */
  name: string;
}

/** No parameters: the layer is its spec. */
export type ActivationLayer = ActivationSpec;


export const activationLayer: LayerKind<ActivationSpec, ActivationLayer> = {
  kind: 'activation',
  trainable: false,
  outputShape: (_spec, input) => input,
  init: (spec) => ({ kind: 'activation', name: spec.name }),
  specOf: (layer) => layer,
  parameters: () => [],
  forward(layer, x, _linalg, owned) {
    const { phi, dphi } = activation(layer.name);
    const n = x.rows * x.cols;
    const output = { data: floatArray(n), rows: x.rows, cols: x.cols };
    // An intermediate input's storage is reused for φ′: all the backward pass needs of it.
    const derivative = owned ? x.data : floatArray(n);
    const values = x.data;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      output.data[i] = phi(v);
      derivative[i] = dphi(v);
    }
    return { output, extra: derivative };
  },
  backward(_layer, saved, delta, _linalg, owned) {
    const d = saved.extra!;
    const out = owned ? delta : { data: floatArray(delta.rows * delta.cols), rows: delta.rows, cols: delta.cols };
    for (let i = 0; i < d.length; i++) out.data[i] = delta.data[i] * d[i];
    return out;
  },
  infinite(spec, options) {
    const dual = dualMap(activation(spec.name), options.quadrature);
    const maps = new Float64Array(2);
    return ({ count, sigma, theta, left, right }) => {
      for (let j = 0; j < count; j++) {
        dual(left, right[j], sigma[j], maps);
        sigma[j] = maps[0];
        theta[j] = maps[1] * theta[j];
      }
    };
  },
  tensorForward: (tf, layer, x) => activation(layer.name).tensor(tf, x),
  describe: (spec) => spec.name,
};
