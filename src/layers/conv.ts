/**
 * A 2-D convolution, `nn.Conv2d(C_in, C, K, stride=S, padding=P)`: weight
 * [C, C_in, K, K] (PyTorch's layout), bias [C]; P = 0 ('valid', PyTorch's
 * default) or (K − 1)/2 for odd K ('same'). z = s_w·(W ∗ x) + s_b·b with s_w, s_b
 * as for dense (NTK parameterization: σ_w/√fan_in, σ_b; fan_in = C_in·K·K).
 *
 * Init, in PyTorch's draw order (weight, then bias), as nn.Conv2d draws:
 * standard `kaiming_uniform_(a=√5)` on the weight and U(±1/√fan_in) on the
 * bias; NTK `torch.randn` for both.
 *
 * Passes, per sample, on the patches Xᵀ (im2col: C_in·K² rows in the
 * weight's column order c·K² + u·K + v, one column per output pixel, P of them):
 *   forward   Z = s_w·W·Xᵀ + s_b·b      (C × P, channel-major as PyTorch)
 *   backward  ∂Xᵀ = s_w·Wᵀ·δ, added back onto the input's pixels (col2im)
 *   gradient  ∂f/∂W = s_w·δ·X, ∂f/∂b = s_b·Σ_p δ(p)
 * each a matrix product on the linalg: O(C·C_in·K²·P) per sample.
 * Kernel term: the per-sample gradients of every output side by side (a
 * `gram` term: n × o·C·(C_in·K² + 1)), one product per sample for all
 * outputs, δ of every output stacked (o·C × P) times [s_w·Xᵀ; s_b·1]ᵀ; their
 * Gram matrix is this layer's part of the NTK — the patches and the output
 * gradients, their product summed over positions, never the network's whole
 * Jacobian. (Within an output the order of the columns is free: each
 * channel's weights are followed by its bias.)
 *
 * Infinite width (neural-tangents' Conv, NTK parameterization, always dividing
 * by K²): Σ ↦ σ_w²·A(Σ) + σ_b², Θ ↦ σ_w²·A(Θ) + Σ_new, where A averages over
 * the window's offsets: A(Σ)(p, p′) = (1/K²)·Σ_δ Σ(p·S + δ − P, p′·S + δ − P),
 * padded taps counting as zero. It keeps p′ − p fixed, so same-pixel pairs
 * map to same-pixel pairs.
 */
import { floatArray } from '../linalg/memory';
import type { MatrixView } from '../linalg/types';
import { imageOf, windowShape, type Geometry } from './image';
import { drawWeightAndBias, scalesFor } from './linearInit';
import { col2im, im2col, tapRange, type PatchGeometry } from './patches';
import { LayerShapeError, type Forwarded, type InfiniteMap, type LayerKind, type PairLayout, type ParameterTensor, type Units } from './types';

export interface ConvSpec {
  kind: 'conv';
  /** Output channels (a number once resolved, 'W' for the hidden width before). */
  channels: Units;
  /** K: the K×K window. */
  size: number;
  padding: 'valid' | 'same';
  stride: number;
}

export interface ConvLayer {
  kind: 'conv';
  input: Geometry;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  size: number;
  stride: number;
  /** Zero pixels on each side. */
  pad: number;
  /** [outChannels, inChannels, K, K], PyTorch's layout. */
  weight: Float32Array;
  bias: Float32Array | null;
  weightScale: number;
  biasScale: number;
  /** The spec's padding, kept for the spec (and for messages). */
  padding: 'valid' | 'same';
}

function padOf(spec: ConvSpec): number {
  return spec.padding === 'same' ? (spec.size - 1) / 2 : 0;
}

function name(spec: ConvSpec): string {
  return `conv:${spec.channels}:${spec.size}${spec.padding === 'same' ? ':same' : ''}${spec.stride !== 1 ? `:s${spec.stride}` : ''}`;
}

function geometry(spec: ConvSpec, input: readonly number[]): { input: Geometry; height: number; width: number } {
  const image = imageOf(input, name(spec));
  if (spec.padding === 'same' && spec.size % 2 === 0) throw new LayerShapeError(`${name(spec)}: 'same' padding needs an odd window`);
  return { input: image, ...windowShape(image, spec.size, spec.stride, padOf(spec), name(spec)) };
}

/** The patch matrix Xᵀ: rows C_in·K² (the weight's column order c·K² + u·K + v), columns the output pixels. */
function patchShape(layer: ConvLayer): { rows: number; cols: number } {
  return { rows: layer.input.channels * layer.size * layer.size, cols: layer.outHeight * layer.outWidth };
}

/** The image and patch geometry of a layer, as patches.ts takes it. */
function geometryOf(layer: ConvLayer): PatchGeometry {
  const { channels, height, width } = layer.input;
  return { channels, height, width, k: layer.size, stride: layer.stride, pad: layer.pad, outHeight: layer.outHeight, outWidth: layer.outWidth };
}

function weightView(layer: ConvLayer): MatrixView {
  return { data: layer.weight, rows: layer.outChannels, cols: layer.input.channels * layer.size * layer.size };
}

/** Rows of `m` for sample i, as the C × P matrix it is. */
function sampleView(m: MatrixView, i: number, channels: number, pixels: number): MatrixView {
  return { data: m.data.subarray(i * m.cols, (i + 1) * m.cols), rows: channels, cols: pixels };
}

interface Window {
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  k: number;
  stride: number;
  pad: number;
}

/** Whether every entry is 0; stops at the first that is not. */
function allZero(values: Float64Array): boolean {
  for (let e = 0; e < values.length; e++) if (values[e] !== 0) return false;
  return true;
}

/**
 * The window map A, separable: sums along rows first (over the column taps
 * v), then along columns (over the row taps u), 2K reads per output instead
 * of K², each tap a run of adds over the outputs it reaches; on same-pixel
 * pairs (diagonal) or on all pixel pairs (full: the same offset moves both
 * pixels), for `count` pairs.
 */
function windowAverage(w: Window, layout: PairLayout, count: number, values: Float64Array): Float64Array {
  const { inH, inW, outH, outW, k, stride, pad } = w;
  const scale = 1 / (k * k);
  const colRuns = Array.from({ length: k }, (_, v) => tapRange(v, inW, outW, stride, pad));
  const rowRuns = Array.from({ length: k }, (_, u) => tapRange(u, inH, outH, stride, pad));
  const [inP, outP] = [inH * inW, outH * outW];
  if (layout.kind === 'diagonal') {
    const out = new Float64Array(count * outP);
    const across = new Float64Array(inH * outW);
    for (let j = 0; j < count; j++) {
      const src = j * inP;
      across.fill(0);
      for (let y = 0; y < inH; y++) {
        for (let v = 0; v < k; v++) {
          const [c0, c1] = colRuns[v];
          const from = src + y * inW + v - pad;
          const to = y * outW;
          for (let c = c0; c < c1; c++) across[to + c] += values[from + c * stride];
        }
      }
      const dst = j * outP;
      for (let r = 0; r < outH; r++) {
        for (let u = 0; u < k; u++) {
          const [r0, r1] = rowRuns[u];
          if (r < r0 || r >= r1) continue;
          const from = (r * stride + u - pad) * outW;
          for (let c = 0; c < outW; c++) out[dst + r * outW + c] += across[from + c];
        }
        for (let c = 0; c < outW; c++) out[dst + r * outW + c] *= scale;
      }
    }
    return out;
  }
  // Full: [(y, x), (y′, x′)] → [(r, c), (r′, c′)]; sum over v (x = c·S + v − P and x′ = c′·S + v − P together), then over u.
  const out = new Float64Array(count * outP * outP);
  const across = new Float64Array(inH * outW * inH * outW); // [y, c, y′, c′]
  for (let j = 0; j < count; j++) {
    const src = j * inP * inP;
    across.fill(0);
    for (let y = 0; y < inH; y++) {
      for (let c = 0; c < outW; c++) {
        for (let v = 0; v < k; v++) {
          const [c0, c1] = colRuns[v];
          if (c < c0 || c >= c1) continue;
          const x = c * stride + v - pad;
          for (let y2 = 0; y2 < inH; y2++) {
            const from = src + (y * inW + x) * inP + y2 * inW + v - pad;
            const to = ((y * outW + c) * inH + y2) * outW;
            for (let c2 = c0; c2 < c1; c2++) across[to + c2] += values[from + c2 * stride];
          }
        }
      }
    }
    const dst = j * outP * outP;
    for (let r = 0; r < outH; r++) {
      for (let c = 0; c < outW; c++) {
        for (let u = 0; u < k; u++) {
          const [r0, r1] = rowRuns[u];
          if (r < r0 || r >= r1) continue;
          const y = r * stride + u - pad;
          for (let r2 = r0; r2 < r1; r2++) {
            const from = ((y * outW + c) * inH + r2 * stride + u - pad) * outW;
            const to = dst + (r * outW + c) * outP + r2 * outW;
            for (let c2 = 0; c2 < outW; c2++) out[to + c2] += across[from + c2];
          }
        }
      }
    }
    for (let e = dst; e < dst + outP * outP; e++) out[e] *= scale;
  }
  return out;
}

export const conv: LayerKind<ConvSpec, ConvLayer> = {
  kind: 'conv',
  trainable: true,
  fixedBackward: true,
  stateDictName: 'conv',
  outputShape(spec, input) {
    const { height, width } = geometry(spec, input);
    return [spec.channels as number, height, width];
  },
  init(spec, input, options, generator) {
    const { input: image, height, width } = geometry(spec, input);
    const out = spec.channels as number;
    const fanIn = image.channels * spec.size * spec.size;
    const { weight, bias } = drawWeightAndBias(out * fanIn, out, fanIn, options, generator);
    return { kind: 'conv', input: image, outChannels: out, outHeight: height, outWidth: width, size: spec.size, stride: spec.stride, pad: padOf(spec), padding: spec.padding, weight, bias, ...scalesFor(fanIn, options) };
  },
  fromTensors(spec, input, { weight, bias }, options) {
    const { input: image, height, width } = geometry(spec, input);
    const expected = [spec.channels as number, image.channels, spec.size, spec.size];
    if (weight.shape.length !== 4 || weight.shape.some((s, i) => s !== expected[i])) {
      throw new LayerShapeError(`weight has shape [${weight.shape.join(', ')}], ${name(spec)} after ${image.channels} channels needs [${expected.join(', ')}]`);
    }
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== expected[0])) throw new LayerShapeError(`bias has shape [${bias.shape.join(', ')}], expected [${expected[0]}]`);
    const fanIn = image.channels * spec.size * spec.size;
    return { kind: 'conv', input: image, outChannels: expected[0], outHeight: height, outWidth: width, size: spec.size, stride: spec.stride, pad: padOf(spec), padding: spec.padding, weight: weight.data, bias: bias ? bias.data : null, ...scalesFor(fanIn, options) };
  },
  specOf: (layer) => ({ kind: 'conv', channels: layer.outChannels, size: layer.size, padding: layer.padding, stride: layer.stride }),
  parameters(layer) {
    const tensors: ParameterTensor[] = [{ name: 'weight', shape: [layer.outChannels, layer.input.channels, layer.size, layer.size], data: layer.weight }];
    if (layer.bias) tensors.push({ name: 'bias', shape: [layer.outChannels], data: layer.bias });
    return tensors;
  },
  forward(layer, x, linalg): Forwarded {
    const n = x.rows;
    const pixels = layer.outHeight * layer.outWidth;
    const output = { data: floatArray(n * layer.outChannels * pixels), rows: n, cols: layer.outChannels * pixels };
    const shape = patchShape(layer);
    const geometry = geometryOf(layer);
    const patches = new Float32Array(shape.rows * shape.cols);
    for (let i = 0; i < n; i++) {
      im2col(geometry, x.data, i, patches, 1);
      const z = sampleView(output, i, layer.outChannels, pixels);
      linalg.gemm(layer.weightScale, weightView(layer), false, { data: patches, ...shape }, false, 0, z);
      if (layer.bias) {
        for (let ch = 0; ch < layer.outChannels; ch++) {
          const b = layer.bias[ch] * layer.biasScale;
          for (let p = 0; p < pixels; p++) z.data[ch * pixels + p] += b;
        }
      }
    }
    return { output, input: x };
  },
  backward(layer, _saved, delta, linalg) {
    const n = delta.rows;
    const { channels, height, width } = layer.input;
    const pixels = layer.outHeight * layer.outWidth;
    const out = { data: floatArray(n * channels * height * width), rows: n, cols: channels * height * width };
    const shape = patchShape(layer);
    const geometry = geometryOf(layer);
    const patches = { data: new Float32Array(shape.rows * shape.cols), ...shape };
    for (let i = 0; i < n; i++) {
      linalg.gemm(layer.weightScale, weightView(layer), true, sampleView(delta, i, layer.outChannels, pixels), false, 0, patches);
      col2im(geometry, patches.data, out.data, i);
    }
    return out;
  },
  kernelTerm(layer, saved, deltas, outputs, linalg) {
    const n = saved.input!.rows;
    const pixels = layer.outHeight * layer.outWidth;
    const shape = patchShape(layer);
    const geometry = geometryOf(layer);
    const channels = layer.outChannels;
    // Per output and channel: the weight's C_in·K² gradients, then the bias's (∂f/∂b_c = s_b·Σ_p δ_c(p)), as one row.
    const perChannel = shape.rows + (layer.bias ? 1 : 0);
    const perOutput = channels * perChannel;
    const jacobian = { data: floatArray(n * outputs * perOutput), rows: n, cols: outputs * perOutput };
    // [s_w·Xᵀ; s_b·1]: every output's per-sample gradient is δ·this, δ [C × P].
    const patches = { data: new Float32Array(perChannel * pixels), rows: perChannel, cols: pixels };
    if (layer.bias) patches.data.fill(layer.biasScale, shape.rows * pixels);
    // Every output's δ stacked, o·C × P, so one product gives a sample's gradients for all outputs.
    const stacked = { data: new Float32Array(outputs * channels * pixels), rows: outputs * channels, cols: pixels };
    const stack = (i: number) => {
      for (let k = 0; k < outputs; k++) {
        // As the network's output layer, output k's gradient is e_k.
        if (deltas) stacked.data.set(sampleView(deltas[k], deltas[k].rows === 1 ? 0 : i, channels, pixels).data, k * channels * pixels);
        else stacked.data[k * channels * pixels + k] = 1;
      }
    };
    // The same for every sample when each δ is one row for all (or e_k): stacked once.
    const perSample = deltas !== null && deltas.some((delta) => delta.rows !== 1);
    if (!perSample) stack(0);
    for (let i = 0; i < n; i++) {
      im2col(geometry, saved.input!.data, i, patches.data, layer.weightScale);
      if (perSample) stack(i);
      linalg.gemm(1, stacked, false, patches, true, 0, { data: jacobian.data.subarray(i * jacobian.cols, (i + 1) * jacobian.cols), rows: outputs * channels, cols: perChannel });
    }
    return { kind: 'gram', jacobian };
  },
  termShape(layer, outputs) {
    const { rows } = patchShape(layer);
    return { kind: 'gram', columns: outputs * layer.outChannels * (rows + (layer.bias ? 1 : 0)) };
  },
  descend(layer, saved, delta, learningRate, linalg) {
    const n = delta.rows;
    const pixels = layer.outHeight * layer.outWidth;
    const shape = patchShape(layer);
    const geometry = geometryOf(layer);
    const patches = { data: new Float32Array(shape.rows * shape.cols), ...shape };
    // Every sample's gradients are taken before the weights change: ∂L/∂W = s_w·Σ_i δ_i·X_i.
    const gradient = { data: new Float32Array(layer.weight.length), rows: layer.outChannels, cols: shape.rows };
    for (let i = 0; i < n; i++) {
      im2col(geometry, saved.input!.data, i, patches.data, 1);
      linalg.gemm(layer.weightScale, sampleView(delta, i, layer.outChannels, pixels), false, patches, true, 1, gradient);
    }
    for (let w = 0; w < layer.weight.length; w++) layer.weight[w] -= learningRate * gradient.data[w];
    if (layer.bias) {
      for (let ch = 0; ch < layer.outChannels; ch++) {
        let s = 0;
        for (let i = 0; i < n; i++) for (let p = 0; p < pixels; p++) s += delta.data[i * delta.cols + ch * pixels + p];
        layer.bias[ch] -= learningRate * layer.biasScale * s;
      }
    }
  },
  infinite(spec, { sigmaW, sigmaB }, input): InfiniteMap {
    if (input.kind === 'vector') throw new LayerShapeError(`${name(spec)} takes an image, not a vector`);
    const pad = padOf(spec);
    const out = { height: Math.floor((input.height + 2 * pad - spec.size) / spec.stride) + 1, width: Math.floor((input.width + 2 * pad - spec.size) / spec.stride) + 1 };
    const window: Window = { inH: input.height, inW: input.width, outH: out.height, outW: out.width, k: spec.size, stride: spec.stride, pad };
    const output: PairLayout = { kind: input.kind, ...out };
    const [w2, b2] = [sigmaW ** 2, sigmaB ** 2];
    return {
      output,
      map(row) {
        const sigma = windowAverage(window, input, row.count, row.sigma);
        // Before the first layer with parameters Θ is zero (Θ⁰ = 0): its average is too.
        const theta = allZero(row.theta) ? new Float64Array(sigma.length) : windowAverage(window, input, row.count, row.theta);
        for (let e = 0; e < sigma.length; e++) {
          sigma[e] = w2 * sigma[e] + b2;
          theta[e] = w2 * theta[e] + sigma[e];
        }
        return { ...row, layout: output, sigma, theta };
      },
    };
  },
  tensorForward(tf, layer, x, params) {
    // tfjs convolves NHWC with filters [K, K, in, out]; PyTorch's NCHW and [out, in, K, K] are transposed to it and back.
    const nhwc = tf.transpose(x, [0, 2, 3, 1]) as never;
    const filter = tf.transpose(params[0], [2, 3, 1, 0]) as never;
    let z = tf.mul(tf.conv2d(nhwc, filter, layer.stride, layer.pad), layer.weightScale);
    if (layer.bias) z = tf.add(z, tf.mul(params[1], layer.biasScale));
    return tf.transpose(z, [0, 3, 1, 2]);
  },
  describe: (spec) => name(spec),
};
