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
import { nativeFor } from '../native';
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
  broadcastsDelta: true,
  outputShape: (_spec, input) => input,
  init: (spec) => ({ kind: 'activation', name: spec.name }),
  specOf: (layer) => layer,
  parameters: () => [],
  forward(layer, x, _linalg, owned) {
    const act = activation(layer.name);
    const { phi, dphi } = act;
    const n = x.rows * x.cols;
    const output = { data: floatArray(n), rows: x.rows, cols: x.cols };
    // An intermediate input's storage is reused for φ′: all the backward pass needs of it.
    const derivative = owned ? x.data : floatArray(n);
    const values = x.data;
    if (act.mapArray) {
      act.mapArray(values, n, output.data, derivative);
      return { output, extra: derivative };
    }
    for (let i = 0; i < n; i++) {
      const v = values[i];
      output.data[i] = phi(v);
      derivative[i] = dphi(v);
    }
    return { output, extra: derivative };
  },
  backward(_layer, saved, delta, _linalg, owned, lastRead = false) {
    const d = saved.extra!;
    const rows = d.length / delta.cols;
    if (delta.rows === 1 && rows > 1) {
      // One δ for every sample (broadcastsDelta): each row is φ′ of its own sample times it.
      const { cols } = delta;
      // φ′'s storage takes the result when nothing reads φ′ again (fresh memory is slow to touch).
      const data = lastRead ? d : floatArray(d.length);
      const row = delta.data;
      const native = nativeFor(d.length);
      if (native?.scaleRows) {
        native.scaleRows(row.length === cols ? row : row.subarray(0, cols), d, data);
        return { data, rows, cols };
      }
      for (let i = 0; i < rows; i++) {
        const at = i * cols;
        for (let j = 0; j < cols; j++) data[at + j] = row[j] * d[at + j];
      }
      return { data, rows, cols };
    }
    const out = owned ? delta : { data: floatArray(delta.rows * delta.cols), rows: delta.rows, cols: delta.cols };
    for (let i = 0; i < d.length; i++) out.data[i] = delta.data[i] * d[i];
    return out;
  },
  infinite(spec, options, input) {
    const dual = dualMap(activation(spec.name), options.quadrature);
    const maps = new Float64Array(2);
    return {
      output: input,
      map(row) {
        const { count, sigma, theta, left, right } = row;
        if (input.kind === 'full') {
          // Pair entry (p, p′): x's own Σ at p, x′_j's at p′.
          const pixels = input.height * input.width;
          for (let j = 0; j < count; j++) {
            for (let p = 0; p < pixels; p++) {
              const base = (j * pixels + p) * pixels;
              for (let q = 0; q < pixels; q++) {
                dual(left[p], right[j * pixels + q], sigma[base + q], maps);
                sigma[base + q] = maps[0];
                theta[base + q] *= maps[1];
              }
            }
          }
          return row;
        }
        if (input.kind === 'vector') {
          const own = left[0];
          for (let j = 0; j < count; j++) {
            dual(own, right[j], sigma[j], maps);
            sigma[j] = maps[0];
            theta[j] *= maps[1];
          }
          return row;
        }
        // Same-pixel pairs: both inputs' own Σ at that pixel.
        const pixels = input.height * input.width;
        for (let j = 0; j < count; j++) {
          for (let p = 0; p < pixels; p++) {
            const e = j * pixels + p;
            dual(left[p], right[e], sigma[e], maps);
            sigma[e] = maps[0];
            theta[e] *= maps[1];
          }
        }
        return row;
      },
    };
  },
  tensorForward: (tf, layer, x) => activation(layer.name).tensor(tf, x),
  describe: (spec) => spec.name,
};
