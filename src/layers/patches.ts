/**
 * A convolution's patches (im2col) and their gradient added back onto the
 * image (col2im), for one C×H×W image of a batch: Xᵀ has C·K² rows, in the
 * weight's column order c·K² + u·K + v, and one column per output pixel; each
 * row is filled as runs along the image's rows, padded taps zero. O(C·K²·P)
 * each. ntk-cli's native helper (native/ntk_native.c) has the same loops in C,
 * in the same order, so its results are the same bits; these are the
 * JavaScript ones, used where it was not built.
 */
import { nativeFor, type NativeHelpers } from '../native';

/** An image of C×H×W, a K×K window at stride S with P zeros each side, and the output's H′×W′. */
export interface PatchGeometry {
  channels: number;
  height: number;
  width: number;
  k: number;
  stride: number;
  pad: number;
  outHeight: number;
  outWidth: number;
}

/**
 * For tap v along a row of `size` pixels: the output columns c whose input
 * pixel c·S + v − P lies inside, as [from, to).
 */
export function tapRange(v: number, size: number, out: number, stride: number, pad: number): [number, number] {
  const from = Math.max(0, Math.ceil((pad - v) / stride));
  const to = Math.min(out, Math.floor((size - 1 + pad - v) / stride) + 1);
  return [from, Math.max(from, to)];
}

/**
 * Visit every run of Xᵀ for image `i`: row `at` of Xᵀ (output row r of tap
 * c, u, v) against the image's line from `line` (null where the tap's input
 * row lies in the padding), its inside output columns [c0, c1).
 */
function forEachPatchRun(g: PatchGeometry, i: number, visit: (at: number, line: number | null, c0: number, c1: number) => void): void {
  const { channels, height, width, k, stride, pad, outHeight, outWidth } = g;
  const base = i * channels * height * width;
  const pixels = outHeight * outWidth;
  for (let ch = 0; ch < channels; ch++) {
    for (let u = 0; u < k; u++) {
      for (let v = 0; v < k; v++) {
        const row = ((ch * k + u) * k + v) * pixels;
        const [c0, c1] = tapRange(v, width, outWidth, stride, pad);
        for (let r = 0; r < outHeight; r++) {
          const y = r * stride + u - pad;
          visit(row + r * outWidth, y < 0 || y >= height ? null : base + (ch * height + y) * width + v - pad, c0, c1);
        }
      }
    }
  }
}

/** Image `i` of `x` (rows of C·H·W) as Xᵀ into `out`, times `scale`. */
export function im2colJs(g: PatchGeometry, x: Float32Array, i: number, out: Float32Array, scale: number): void {
  const { stride, outWidth } = g;
  forEachPatchRun(g, i, (at, line, c0, c1) => {
    if (line === null) return void out.fill(0, at, at + outWidth);
    out.fill(0, at, at + c0);
    if (stride === 1) for (let c = c0; c < c1; c++) out[at + c] = scale * x[line + c];
    else for (let c = c0; c < c1; c++) out[at + c] = scale * x[line + c * stride];
    out.fill(0, at + c1, at + outWidth);
  });
}

/** Xᵀ's gradient `patches` added onto image `i` of `out` (rows of C·H·W). */
export function col2imJs(g: PatchGeometry, patches: Float32Array, out: Float32Array, i: number): void {
  const { stride } = g;
  forEachPatchRun(g, i, (at, line, c0, c1) => {
    if (line === null) return;
    if (stride === 1) for (let c = c0; c < c1; c++) out[line + c] += patches[at + c];
    else for (let c = c0; c < c1; c++) out[line + c * stride] += patches[at + c];
  });
}

const asArray = (g: PatchGeometry) => [g.channels, g.height, g.width, g.k, g.stride, g.pad, g.outHeight, g.outWidth];

/** The native loops where the helper has them (a helper built before them has not) and the patches are large enough to load it. */
function nativePatches(g: PatchGeometry): Pick<NativeHelpers, 'im2col' | 'col2im'> | null {
  const native = nativeFor(g.channels * g.k * g.k * g.outHeight * g.outWidth);
  return typeof native?.im2col === 'function' && typeof native.col2im === 'function' ? native : null;
}

export function im2col(g: PatchGeometry, x: Float32Array, i: number, out: Float32Array, scale: number): void {
  const native = nativePatches(g);
  if (native) native.im2col(x, i * g.channels * g.height * g.width, asArray(g), out, scale);
  else im2colJs(g, x, i, out, scale);
}

export function col2im(g: PatchGeometry, patches: Float32Array, out: Float32Array, i: number): void {
  const native = nativePatches(g);
  if (native) native.col2im(patches, out, i * g.channels * g.height * g.width, asArray(g));
  else col2imJs(g, patches, out, i);
}
