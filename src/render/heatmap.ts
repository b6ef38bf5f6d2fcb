/**
 * A matrix drawn as matplotlib draws `plt.imshow(K, cmap="hot");
 * plt.title(...); plt.colorbar()` on its default 6.4×4.8 in, 100 dpi figure,
 * or bare (one pixel per cell, nothing else).
 *
 * Sizes in points scale with the dpi (matplotlib rcParams: tick labels 10 pt,
 * title 12 pt, ticks 3.5 pt long with a 3.5 pt pad, lines 0.8 pt).
 */
import { createCanvas } from 'canvas';
import { scanValues } from '../math/scan';
import { drawAxes } from './axes';
import { cellImage, colormapStrip, colourLookup, paintCells } from './cells';
import { colormapByName } from './colormaps';
import { blockReduce, type DownsampleMode, type Matrix, type StreamedMatrix } from './downsample';
import { encode, type ImageFormat } from './encode';
import { ensureFont } from './fonts';
import { drawGroupLines, type Groups } from './groups';
import { heatmapLayout } from './layout';
import { normaliser, resolveNormForRange, type NormRequest, type NormSpec } from './normalize';

export type { Matrix, StreamedMatrix } from './downsample';
export type { ImageFormat } from './encode';
export { BAD_COLOUR } from './cells';
export { heatmapLayout, type Box } from './layout';

export interface HeatmapOptions {
  title?: string;
  xlabel?: string;
  ylabel?: string;
  cmap?: string;
  reverse?: boolean;
  norm?: NormRequest;
  /** Figure size in pixels; default 6.4 × 4.8 in at `dpi`. */
  width?: number;
  height?: number;
  dpi?: number;
  downsample?: DownsampleMode;
  /** One pixel per cell and nothing else. */
  bare?: boolean;
  /** Groups of rows and columns, drawn with lines between them and named on the axes. */
  groups?: { rows?: Groups; cols?: Groups };
}

export interface HeatmapResult {
  image: Buffer;
  width: number;
  height: number;
  norm: NormSpec;
  /**
   * Cells that are NaN, drawn in BAD_COLOUR (cells.ts) when each is a pixel;
   * a downsampled block is NaN (and magenta) only when all its cells are.
   */
  nanCells: number;
  /** Cells that are ±Inf: drawn in the colormap's end colours, outside the colour scale's range. */
  infiniteCells: number;
  /** Set when the matrix had more cells than the image has pixels. */
  downsampled: { mode: DownsampleMode; from: [number, number]; to: [number, number] } | null;
}

function countCells(values: ArrayLike<number>): { nan: number; infinite: number; range: [number, number] | null } {
  const { min, max, nan, infinite } = scanValues(values);
  return { nan, infinite, range: min <= max ? [min, max] : null };
}

/** Largest side cairo draws (its image surfaces are limited to 32767 pixels a side). */
export const MAX_SIDE = 32767;

export class RenderError extends Error {}

/** One pixel per cell and nothing else. */
function renderBare(matrix: Matrix, colour: ReturnType<typeof colourLookup>, norm: NormSpec, format: ImageFormat): HeatmapResult {
  if (matrix.rows > MAX_SIDE || matrix.cols > MAX_SIDE) {
    throw new RenderError(`--bare draws one pixel per cell, at most ${MAX_SIDE} a side; this matrix is ${matrix.rows}×${matrix.cols}`);
  }
  const cells = cellImage(matrix, colour);
  const { nan: nanCells, infinite: infiniteCells } = scanValues(matrix.values);
  let canvas = cells;
  if (format !== 'png') {
    canvas = createCanvas(matrix.cols, matrix.rows, format);
    canvas.getContext('2d').drawImage(cells, 0, 0);
  }
  return { image: encode(canvas, format), width: matrix.cols, height: matrix.rows, norm, nanCells, infiniteCells, downsampled: null };
}

/**
 * Draw `matrix`; a StreamedMatrix (too large to hold) is drawn from its block
 * reduction and its own range, and cannot be drawn bare.
 */
export function renderHeatmap(source: Matrix | StreamedMatrix, options: HeatmapOptions = {}, format: ImageFormat = 'png'): HeatmapResult {
  const streamed = 'reduce' in source;
  const counts = streamed ? { nan: source.nanCells, infinite: source.infiniteCells, range: source.range } : countCells(source.values);
  const norm = resolveNormForRange(counts.range, options.norm ?? {});
  const cmap = colormapByName(options.cmap ?? 'hot', options.reverse);
  const isFloat32 = !streamed && source.values instanceof Float32Array;
  const rows = source.rows;
  const cols = source.cols;

  if (options.bare) {
    if (streamed) throw new RenderError('--bare needs the whole matrix in memory; this one is drawn from a streamed reduction');
    return renderBare(source, colourLookup(cmap, normaliser(norm, isFloat32)), norm, format);
  }

  const dpi = options.dpi ?? 100;
  const W = options.width ?? Math.round(6.4 * dpi);
  const H = options.height ?? Math.round(4.8 * dpi);
  const pt = dpi / 72;
  const family = ensureFont();
  const { image, bar } = heatmapLayout(rows, cols, W, H);

  const mode = options.downsample ?? 'mean';
  const tooLarge = rows > image.h || cols > image.w;
  const shown = streamed ? source.reduce(image.h, image.w, mode) : tooLarge ? blockReduce(source, image.h, image.w, mode) : source;
  const colour = colourLookup(cmap, normaliser(norm, isFloat32 && !tooLarge));
  const cells = cellImage(shown, colour);

  const canvas = format === 'png' ? createCanvas(W, H) : createCanvas(W, H, format);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  if (format === 'png') paintCells(ctx, cells, image);
  else {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cells, image.x, image.y, image.w, image.h);
  }

  // Colorbar: 256 equal bands, entry 0 at the bottom.
  const strip = colormapStrip(cmap);
  if (format === 'png') paintCells(ctx, strip, bar);
  else ctx.drawImage(strip, bar.x, bar.y, bar.w, bar.h);

  if (options.groups) drawGroupLines(ctx, image, rows, cols, options.groups, pt);
  const text = { title: options.title ?? 'Neural Tangent Kernel', xlabel: options.xlabel, ylabel: options.ylabel, groups: options.groups };
  drawAxes(ctx, { image, bar }, rows, cols, norm, text, pt, family);
  return {
    image: encode(canvas, format),
    width: W,
    height: H,
    norm,
    nanCells: counts.nan,
    infiniteCells: counts.infinite,
    downsampled: tooLarge ? { mode, from: [rows, cols], to: [shown.rows, shown.cols] } : null,
  };
}
