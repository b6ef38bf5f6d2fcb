/**
 * Pooling over K×K windows with stride K and no padding, as nn.AvgPool2d(K)
 * and nn.MaxPool2d(K) (rows and columns past the last whole window dropped),
 * and global average pooling (`gap`: x.mean(dim=(2, 3)), C×H×W → C).
 *
 * avgpool  forward: the window's mean; backward: δ/K² to each pixel of it.
 *          Infinite width: the window mean on both pixels of every pair,
 *          Σ(P, P′) ↦ (1/K⁴)·Σ_{δ,δ′} Σ(P·K + δ, P′·K + δ′) (needs every pixel pair).
 * maxpool  forward: the window's largest value (the first of equal ones, as
 *          PyTorch's CPU kernel keeps); backward: δ to that pixel. No closed
 *          form at infinite width: refused there.
 * gap      forward: each channel's mean; backward: δ/(H·W) to every pixel.
 *          Infinite width: the mean over every pixel pair, to one value.
 */
import { floatArray } from '../linalg/memory';
import { imageOf, windowShape, type Geometry } from './image';
import { LayerShapeError, type InfiniteMap, type LayerKind, type PairLayout } from './types';

export interface PoolSpec {
  kind: 'avgpool' | 'maxpool';
  size: number;
}

export interface PoolLayer extends PoolSpec {
  input: Geometry;
  outHeight: number;
  outWidth: number;
}

export interface GapSpec {
  kind: 'gap';
}

export interface GapLayer extends GapSpec {
  input: Geometry;
}

function outputOf(spec: PoolSpec, input: readonly number[]): PoolLayer {
  const image = imageOf(input, `${spec.kind}:${spec.size}`);
  const { height, width } = windowShape(image, spec.size, spec.size, 0, `${spec.kind}:${spec.size}`);
  return { ...spec, input: image, outHeight: height, outWidth: width };
}

const windowTables = new WeakMap<PoolLayer, Int32Array>();

/**
 * The input indices of every window (in the C×H×W row of one sample), k² per
 * output in output order: built once per layer, read for every sample.
 */
function windowIndices(layer: PoolLayer): Int32Array {
  let table = windowTables.get(layer);
  if (table) return table;
  const { channels, height, width } = layer.input;
  const k = layer.size;
  table = new Int32Array(channels * layer.outHeight * layer.outWidth * k * k);
  let at = 0;
  for (let ch = 0; ch < channels; ch++) {
    for (let r = 0; r < layer.outHeight; r++) {
      for (let c = 0; c < layer.outWidth; c++) {
        for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) table[at++] = (ch * height + r * k + u) * width + c * k + v;
      }
    }
  }
  windowTables.set(layer, table);
  return table;
}

function pool(kind: 'avgpool' | 'maxpool'): LayerKind<PoolSpec, PoolLayer> {
  return {
    kind,
    trainable: false,
    fixedBackward: kind === 'avgpool',
    outputShape(spec, input) {
      const layer = outputOf(spec, input);
      return [layer.input.channels, layer.outHeight, layer.outWidth];
    },
    init: (spec, input) => outputOf(spec, input),
    specOf: (layer) => ({ kind: layer.kind, size: layer.size }),
    parameters: () => [],
    forward(layer, x) {
      const n = x.rows;
      const outCols = layer.input.channels * layer.outHeight * layer.outWidth;
      const output = { data: floatArray(n * outCols), rows: n, cols: outCols };
      // maxpool keeps where each maximum came from (exact in float32 up to 2²⁴ values a sample).
      const argmax = kind === 'maxpool' ? new Float32Array(n * outCols) : undefined;
      const window = layer.size * layer.size;
      const scale = 1 / window;
      const ins = windowIndices(layer);
      for (let i = 0; i < n; i++) {
        const src = i * x.cols;
        const dst = i * outCols;
        for (let o = 0; o < outCols; o++) {
          const first = o * window;
          if (argmax) {
            let best = ins[first];
            for (let w = first + 1; w < first + window; w++) if (x.data[src + ins[w]] > x.data[src + best]) best = ins[w];
            output.data[dst + o] = x.data[src + best];
            argmax[dst + o] = best;
          } else {
            let s = 0;
            for (let w = first; w < first + window; w++) s += x.data[src + ins[w]];
            output.data[dst + o] = s * scale;
          }
        }
      }
      return { output, extra: argmax };
    },
    backward(layer, saved, delta) {
      const n = delta.rows;
      const inCols = layer.input.channels * layer.input.height * layer.input.width;
      const outCols = layer.input.channels * layer.outHeight * layer.outWidth;
      const out = { data: floatArray(n * inCols), rows: n, cols: inCols };
      const window = layer.size * layer.size;
      const scale = 1 / window;
      const ins = windowIndices(layer);
      for (let i = 0; i < n; i++) {
        const src = i * delta.cols;
        const dst = i * inCols;
        for (let o = 0; o < outCols; o++) {
          if (saved.extra) out.data[dst + saved.extra[src + o]] += delta.data[src + o];
          else for (let w = o * window; w < (o + 1) * window; w++) out.data[dst + ins[w]] += delta.data[src + o] * scale;
        }
      }
      return out;
    },
    infinite: kind === 'avgpool' ? avgpoolInfinite : undefined,
    inputLayoutFor: () => 'full',
    tensorForward(tf, layer, x) {
      const nhwc = tf.transpose(x, [0, 2, 3, 1]) as never;
      const pooled = kind === 'avgpool' ? tf.avgPool(nhwc, layer.size, layer.size, 'valid') : tf.maxPool(nhwc, layer.size, layer.size, 'valid');
      return tf.transpose(pooled, [0, 3, 1, 2]);
    },
    describe: (spec) => `${spec.kind}:${spec.size}`,
  };
}

function avgpoolInfinite(spec: PoolSpec, _options: unknown, input: PairLayout): InfiniteMap {
  if (input.kind !== 'full') throw new LayerShapeError(`avgpool:${spec.size} at infinite width needs every pixel pair`);
  const k = spec.size;
  const [inH, inW] = [input.height, input.width];
  const [outH, outW] = [Math.floor(inH / k), Math.floor(inW / k)];
  const output: PairLayout = { kind: 'full', height: outH, width: outW };
  const [inP, outP] = [inH * inW, outH * outW];
  const scale = 1 / k ** 4;
  const average = (count: number, values: Float64Array) => {
    const out = new Float64Array(count * outP * outP);
    for (let j = 0; j < count; j++) {
      for (let p = 0; p < outP; p++) {
        const [r, c] = [Math.floor(p / outW) * k, (p % outW) * k];
        for (let q = 0; q < outP; q++) {
          const [r2, c2] = [Math.floor(q / outW) * k, (q % outW) * k];
          let s = 0;
          for (let u = 0; u < k; u++) {
            for (let v = 0; v < k; v++) {
              const row = j * inP * inP + ((r + u) * inW + c + v) * inP;
              for (let u2 = 0; u2 < k; u2++) for (let v2 = 0; v2 < k; v2++) s += values[row + (r2 + u2) * inW + c2 + v2];
            }
          }
          out[(j * outP + p) * outP + q] = s * scale;
        }
      }
    }
    return out;
  };
  return {
    output,
    map: (row) => ({ ...row, layout: output, sigma: average(row.count, row.sigma), theta: average(row.count, row.theta) }),
    onInputs(values, count) {
      // Channels × H × W per input, pooled window by window.
      const channels = values.length / count / inP;
      const out = new Float64Array(count * channels * outP);
      for (let plane = 0; plane < count * channels; plane++) {
        for (let p = 0; p < outP; p++) {
          const [r, c] = [Math.floor(p / outW) * k, (p % outW) * k];
          let s = 0;
          for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) s += values[plane * inP + (r + u) * inW + c + v];
          out[plane * outP + p] = s / (k * k);
        }
      }
      return out;
    },
  };
}

export const avgpool = pool('avgpool');
export const maxpool = pool('maxpool');

export const gap: LayerKind<GapSpec, GapLayer> = {
  kind: 'gap',
  trainable: false,
  fixedBackward: true,
  outputShape: (_spec, input) => [imageOf(input, 'gap').channels],
  init: (_spec, input) => ({ kind: 'gap', input: imageOf(input, 'gap') }),
  specOf: () => ({ kind: 'gap' }),
  parameters: () => [],
  forward(layer, x) {
    const { channels, height, width } = layer.input;
    const pixels = height * width;
    const output = { data: floatArray(x.rows * channels), rows: x.rows, cols: channels };
    for (let i = 0; i < x.rows; i++) {
      for (let ch = 0; ch < channels; ch++) {
        let s = 0;
        for (let p = 0; p < pixels; p++) s += x.data[i * x.cols + ch * pixels + p];
        output.data[i * channels + ch] = s / pixels;
      }
    }
    return { output };
  },
  backward(layer, _saved, delta) {
    const { channels, height, width } = layer.input;
    const pixels = height * width;
    const out = { data: floatArray(delta.rows * channels * pixels), rows: delta.rows, cols: channels * pixels };
    for (let i = 0; i < delta.rows; i++) for (let ch = 0; ch < channels; ch++) out.data.fill(delta.data[i * channels + ch] / pixels, i * out.cols + ch * pixels, i * out.cols + (ch + 1) * pixels);
    return out;
  },
  infinite(_spec, _options, input) {
    if (input.kind !== 'full') throw new LayerShapeError('gap at infinite width needs every pixel pair');
    const entries = (input.height * input.width) ** 2;
    const output: PairLayout = { kind: 'vector' };
    const mean = (count: number, values: Float64Array) => Float64Array.from({ length: count }, (_, j) => {
      let s = 0;
      for (let e = 0; e < entries; e++) s += values[j * entries + e];
      return s / entries;
    });
    const pixels = input.height * input.width;
    return {
      output,
      map: (row) => ({ ...row, layout: output, sigma: mean(row.count, row.sigma), theta: mean(row.count, row.theta) }),
      onInputs(values) {
        const planes = values.length / pixels;
        return Float64Array.from({ length: planes }, (_, plane) => {
          let s = 0;
          for (let p = 0; p < pixels; p++) s += values[plane * pixels + p];
          return s / pixels;
        });
      },
    };
  },
  inputLayoutFor: () => 'full',
  tensorForward: (tf, _layer, x) => tf.mean(x, [2, 3]),
  describe: () => 'gap',
};
