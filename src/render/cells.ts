/** Cells to pixels: the colour of each value, the one-pixel-per-cell image, and nearest-neighbour painting. */
import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import { lutIndex, type Colormap } from './colormaps';
import type { Matrix } from './downsample';
import type { Box } from './layout';

/** NaN cells: magenta, which no offered colormap contains (matplotlib's default 'bad' is transparent). */
export const BAD_COLOUR: [number, number, number] = [255, 0, 255];

export function colourLookup(cmap: Colormap, norm: (v: number) => number): (v: number, out: Uint8ClampedArray, o: number) => void {
  return (v, out, o) => {
    const t = norm(v);
    if (Number.isNaN(t)) {
      out.set(BAD_COLOUR, o);
      out[o + 3] = 255;
      return;
    }
    const i = lutIndex(t) * 3;
    out[o] = cmap.lut[i];
    out[o + 1] = cmap.lut[i + 1];
    out[o + 2] = cmap.lut[i + 2];
    out[o + 3] = 255;
  };
}

/** The matrix as an image canvas with one pixel per cell. */
export function cellImage(matrix: Matrix, colour: ReturnType<typeof colourLookup>): Canvas {
  const canvas = createCanvas(matrix.cols, matrix.rows);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(matrix.cols, matrix.rows);
  for (let k = 0; k < matrix.rows * matrix.cols; k++) colour(matrix.values[k], image.data, k * 4);
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/**
 * Paint cells into `box` pixel by pixel, each pixel taking the cell under its
 * centre (nearest neighbour), so cells stay crisp and every cell shows when the
 * box has at least as many pixels as the matrix has cells.
 */
export function paintCells(ctx: CanvasRenderingContext2D, cells: Canvas, box: Box): void {
  const source = cells.getContext('2d').getImageData(0, 0, cells.width, cells.height).data;
  const image = ctx.createImageData(box.w, box.h);
  // One RGBA pixel is one 32-bit word: copied whole, without a view per pixel. Signed: an opaque
  // pixel's word is above 2³¹, which the interpreter would box as a heap number at every copy.
  const from = new Int32Array(source.buffer, source.byteOffset, source.length >> 2);
  const to = new Int32Array(image.data.buffer, image.data.byteOffset, image.data.length >> 2);
  const columnOf = Int32Array.from({ length: box.w }, (_, px) => Math.min(cells.width - 1, Math.floor(((px + 0.5) * cells.width) / box.w)));
  let previousRow = -1;
  for (let py = 0; py < box.h; py++) {
    const row = Math.min(cells.height - 1, Math.floor(((py + 0.5) * cells.height) / box.h)) * cells.width;
    const at = py * box.w;
    // A pixel row under the same cells as the one above is a copy of it: one memmove in place of a
    // loop, which runs cold (interpreted) in a one-picture process.
    if (row === previousRow) to.copyWithin(at, at - box.w, at);
    else for (let px = 0; px < box.w; px++) to[at + px] = from[row + columnOf[px]];
    previousRow = row;
  }
  ctx.putImageData(image, box.x, box.y);
}

/** The colormap as a 1×256 strip, entry 0 at the bottom: the colorbar's 256 bands. */
export function colormapStrip(cmap: Colormap): Canvas {
  const strip = createCanvas(1, 256);
  const stripCtx = strip.getContext('2d');
  const stripData = stripCtx.createImageData(1, 256);
  for (let i = 0; i < 256; i++) {
    stripData.data.set(cmap.lut.subarray((255 - i) * 3, (256 - i) * 3), i * 4);
    stripData.data[i * 4 + 3] = 255;
  }
  stripCtx.putImageData(stripData, 0, 0);
  return strip;
}
