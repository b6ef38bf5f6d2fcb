/**
 * `flatten`: an image C×H×W as the vector of its values in PyTorch's
 * `x.flatten(1)` order (channel, row, column), which is how images are stored
 * here already: the values pass unchanged. Infinite width: a dense readout of
 * the flattened image sees Σ(x, x′) = (1/P)·Σ_p Σ(x, x′)(p, p), the mean over
 * same-pixel pairs (different pixels are different features), and so Θ.
 */
import { imageOf, type Geometry } from './image';
import { LayerShapeError, type LayerKind, type PairLayout } from './types';

export interface FlattenSpec {
  kind: 'flatten';
}

export interface FlattenLayer extends FlattenSpec {
  input: Geometry;
}

export const flatten: LayerKind<FlattenSpec, FlattenLayer> = {
  kind: 'flatten',
  trainable: false,
  fixedBackward: true,
  outputShape(_spec, input) {
    const { channels, height, width } = imageOf(input, 'flatten');
    return [channels * height * width];
  },
  init: (_spec, input) => ({ kind: 'flatten', input: imageOf(input, 'flatten') }),
  specOf: () => ({ kind: 'flatten' }),
  parameters: () => [],
  forward: (_layer, x) => ({ output: x }),
  backward: (_layer, _saved, delta) => delta,
  infinite(_spec, _options, input) {
    if (input.kind === 'vector') throw new LayerShapeError('flatten takes an image, not a vector');
    const pixels = input.height * input.width;
    const output: PairLayout = { kind: 'vector' };
    // Same-pixel entries: all of a diagonal layout, or (p, p) of a full one.
    const stride = input.kind === 'full' ? pixels + 1 : 1;
    const entries = input.kind === 'full' ? pixels * pixels : pixels;
    const mean = (count: number, values: Float64Array) => Float64Array.from({ length: count }, (_, j) => {
      let s = 0;
      for (let p = 0; p < pixels; p++) s += values[j * entries + p * stride];
      return s / pixels;
    });
    return { output, map: (row) => ({ ...row, layout: output, sigma: mean(row.count, row.sigma), theta: mean(row.count, row.theta) }) };
  },
  inputLayoutFor: () => 'diagonal',
  tensorForward: (tf, _layer, x) => tf.reshape(x, [x.shape[0], -1]),
  describe: () => 'flatten',
};
