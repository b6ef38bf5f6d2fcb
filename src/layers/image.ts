/**
 * What the image layers share: one sample is C×H×W values in PyTorch's order
 * (channel, row, column: `x.flatten(1)` order), and a K×K window with stride S
 * and P zero pixels of padding on each side reads, for output pixel (r, c),
 * input pixels (r·S + u − P, c·S + v − P), u, v = 0 … K−1 (nn.Conv2d's and
 * nn.AvgPool2d's arithmetic; output size ⌊(H + 2P − K)/S⌋ + 1).
 */
import { LayerShapeError, type Shape } from './types';

export interface Geometry {
  channels: number;
  height: number;
  width: number;
}

/** An image shape, or a one-line error naming the layer. */
export function imageOf(input: Shape, layer: string): Geometry {
  if (input.length !== 3) throw new LayerShapeError(`${layer} takes an image C×H×W, not a ${input.length === 1 ? `vector of ${input[0]}` : input.join('×')} (give --input-shape, or put it before flatten)`);
  const [channels, height, width] = input;
  return { channels, height, width };
}

/** Output size along one axis of a K-wide window with stride S and P padding. */
export function windowOutput(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/** A window that fits: its output geometry, or a one-line error naming the layer. */
export function windowShape(input: Geometry, k: number, stride: number, pad: number, layer: string): { height: number; width: number } {
  const height = windowOutput(input.height, k, stride, pad);
  const width = windowOutput(input.width, k, stride, pad);
  if (height < 1 || width < 1) throw new LayerShapeError(`${layer}: a ${k}×${k} window does not fit a ${input.height}×${input.width} image`);
  return { height, width };
}
