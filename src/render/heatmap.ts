/**
 * A matrix drawn as matplotlib draws `plt.imshow(K, cmap="hot");
 * plt.title(...); plt.colorbar()` on its default 6.4×4.8 in, 100 dpi figure,
 * or bare (one pixel per cell, nothing else).
 *
 * Sizes in points scale with the dpi (matplotlib rcParams: tick labels 10 pt,
 * title 12 pt, ticks 3.5 pt long with a 3.5 pt pad, lines 0.8 pt).
 */
import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import { colormapByName, lutIndex, type Colormap } from './colormaps';
import { blockReduce, type DownsampleMode, type Matrix, type StreamedMatrix } from './downsample';
import { ensureFont } from './fonts';
import { finiteRange } from '../math/scan';
import { normaliser, resolveNormForRange, type NormRequest, type NormSpec } from './normalize';
import { formatTicks, logTicks, niceTicks, symlogTicks } from './ticks';

export type { Matrix, StreamedMatrix } from './downsample';

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
}

export type ImageFormat = 'png' | 'svg' | 'pdf';

export interface HeatmapResult {
  image: Buffer;
  width: number;
  height: number;
  norm: NormSpec;
  /** Cells that are NaN, drawn in BAD_COLOUR. */
  nanCells: number;
  /** Set when the matrix had more cells than the image has pixels. */
  downsampled: { mode: DownsampleMode; from: [number, number]; to: [number, number] } | null;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** NaN cells: magenta, which no offered colormap contains (matplotlib's default 'bad' is transparent). */
export const BAD_COLOUR: [number, number, number] = [255, 0, 255];

/** Largest side cairo draws (its image surfaces are limited to 32767 pixels a side). */
export const MAX_SIDE = 32767;

export class RenderError extends Error {}

/** A box with its edges rounded to whole pixels (so neighbouring boxes share edges), at least 1 px. */
function pixelBox(x: number, y: number, w: number, h: number): Box {
  const left = Math.round(x);
  const top = Math.round(y);
  return { x: left, y: top, w: Math.max(1, Math.round(x + w) - left), h: Math.max(1, Math.round(y + h) - top) };
}

/**
 * Where the image and the colorbar go, in whole pixels (y down). The axes box
 * is [0.125, 0.9] × [0.11, 0.88] of the figure; `colorbar()` takes its right
 * 15% after a 5% pad, at 20:1 (`make_axes`: fraction 0.15, pad 0.05, aspect
 * 20); the image keeps square cells, right-aligned and vertically centred in
 * what is left (anchors 'E' and 'W').
 */
export function heatmapLayout(rows: number, cols: number, W: number, H: number): { image: Box; bar: Box } {
  const axes = { x: 0.125 * W, y: (1 - 0.88) * H, w: 0.775 * W, h: 0.77 * H };
  const parentW = axes.w * 0.8;
  const scale = Math.min(parentW / cols, axes.h / rows);
  const image = pixelBox(axes.x + parentW - scale * cols, axes.y + (axes.h - scale * rows) / 2, scale * cols, scale * rows);
  const bar = pixelBox(axes.x + axes.w * 0.85, axes.y, axes.h / 20, axes.h);
  return { image, bar };
}

function colourLookup(cmap: Colormap, norm: (v: number) => number): (v: number, out: Uint8ClampedArray, o: number) => boolean {
  return (v, out, o) => {
    const t = norm(v);
    if (Number.isNaN(t)) {
      out.set(BAD_COLOUR, o);
      out[o + 3] = 255;
      return false;
    }
    const i = lutIndex(t) * 3;
    out[o] = cmap.lut[i];
    out[o + 1] = cmap.lut[i + 1];
    out[o + 2] = cmap.lut[i + 2];
    out[o + 3] = 255;
    return true;
  };
}

/** The matrix as an image canvas with one pixel per cell; also counts NaN cells. */
function cellImage(matrix: Matrix, colour: ReturnType<typeof colourLookup>): { canvas: Canvas; nanCells: number } {
  const canvas = createCanvas(matrix.cols, matrix.rows);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(matrix.cols, matrix.rows);
  let nanCells = 0;
  for (let k = 0; k < matrix.rows * matrix.cols; k++) if (!colour(matrix.values[k], image.data, k * 4)) nanCells++;
  ctx.putImageData(image, 0, 0);
  return { canvas, nanCells };
}

/**
 * Paint cells into `box` pixel by pixel, each pixel taking the cell under its
 * centre (nearest neighbour), so cells stay crisp and every cell shows when the
 * box has at least as many pixels as the matrix has cells.
 */
function paintCells(ctx: CanvasRenderingContext2D, cells: Canvas, box: Box): void {
  const source = cells.getContext('2d').getImageData(0, 0, cells.width, cells.height).data;
  const image = ctx.createImageData(box.w, box.h);
  const columnOf = Int32Array.from({ length: box.w }, (_, px) => Math.min(cells.width - 1, Math.floor(((px + 0.5) * cells.width) / box.w)));
  for (let py = 0; py < box.h; py++) {
    const row = Math.min(cells.height - 1, Math.floor(((py + 0.5) * cells.height) / box.h));
    for (let px = 0; px < box.w; px++) {
      const s = (row * cells.width + columnOf[px]) * 4;
      image.data.set(source.subarray(s, s + 4), (py * box.w + px) * 4);
    }
  }
  ctx.putImageData(image, box.x, box.y);
}

type Align = 'left' | 'right' | 'center';
type Baseline = 'top' | 'middle' | 'bottom' | 'alphabetic';

function drawText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, align: Align, baseline: Baseline): void {
  ctx.textAlign = align;
  ctx.textBaseline = baseline;
  ctx.fillText(text, x, y);
}

function encode(canvas: Canvas, format: ImageFormat): Buffer {
  if (format === 'png') return canvas.toBuffer('image/png');
  if (format === 'pdf') {
    // A fixed creation date keeps PDFs byte-identical (SOURCE_DATE_EPOCH, the reproducible-builds convention).
    const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? 0);
    return canvas.toBuffer('application/pdf', { creator: 'ntk-cli', creationDate: new Date((Number.isFinite(epoch) ? epoch : 0) * 1000) });
  }
  return canvas.toBuffer();
}

/** Colorbar ticks for the norm: nice linear steps, powers of ten (log), or 0 and ±powers of ten (symlog). */
function colorbarTicks(norm: NormSpec, maxTicks: number): { ticks: number[]; labels: string[]; exponent: number } {
  const t = normaliser(norm);
  const inRange = (v: number) => t(v) >= -1e-9 && t(v) <= 1 + 1e-9;
  if (norm.kind === 'log') return { ...logTicks(norm.vmin, norm.vmax, maxTicks), exponent: 0 };
  if (norm.kind === 'symlog') return { ...symlogTicks(norm.vmin, norm.vmax, norm.linthresh, maxTicks), exponent: 0 };
  const ticks = niceTicks(norm.vmin, norm.vmax, maxTicks).filter(inRange);
  return { ticks, ...formatTicks(ticks) };
}

/**
 * Draw `matrix`; a StreamedMatrix (too large to hold) is drawn from its block
 * reduction and its own range, and cannot be drawn bare.
 */
export function renderHeatmap(source: Matrix | StreamedMatrix, options: HeatmapOptions = {}, format: ImageFormat = 'png'): HeatmapResult {
  const streamed = 'reduce' in source;
  const norm = resolveNormForRange(streamed ? source.range : finiteRange(source.values), options.norm ?? {});
  const cmap = colormapByName(options.cmap ?? 'hot', options.reverse);
  const isFloat32 = !streamed && source.values instanceof Float32Array;
  const rows = source.rows;
  const cols = source.cols;

  if (options.bare) {
    if (streamed) throw new RenderError('--bare needs the whole matrix in memory; this one is drawn from a streamed reduction');
    const matrix = source;
    if (matrix.rows > MAX_SIDE || matrix.cols > MAX_SIDE) {
      throw new RenderError(`--bare draws one pixel per cell, at most ${MAX_SIDE} a side; this matrix is ${matrix.rows}×${matrix.cols}`);
    }
    const { canvas: cells, nanCells } = cellImage(matrix, colourLookup(cmap, normaliser(norm, isFloat32)));
    let canvas = cells;
    if (format !== 'png') {
      canvas = createCanvas(matrix.cols, matrix.rows, format);
      canvas.getContext('2d').drawImage(cells, 0, 0);
    }
    return { image: encode(canvas, format), width: matrix.cols, height: matrix.rows, norm, nanCells, downsampled: null };
  }

  const dpi = options.dpi ?? 100;
  const W = options.width ?? Math.round(6.4 * dpi);
  const H = options.height ?? Math.round(4.8 * dpi);
  const pt = dpi / 72;
  const family = ensureFont();
  const { image, bar } = heatmapLayout(rows, cols, W, H);

  const mode = options.downsample ?? 'mean';
  const tooLarge = rows > image.h || cols > image.w;
  let shown: Matrix;
  let nanCells = 0;
  if (streamed) {
    shown = source.reduce(image.h, image.w, mode);
    nanCells = source.nanCells;
  } else {
    shown = tooLarge ? blockReduce(source, image.h, image.w, mode) : source;
    for (let k = 0; k < source.values.length; k++) if (Number.isNaN(source.values[k])) nanCells++;
  }
  const colour = colourLookup(cmap, normaliser(norm, isFloat32 && !tooLarge));
  const { canvas: cells } = cellImage(shown, colour);

  const canvas = format === 'png' ? createCanvas(W, H) : createCanvas(W, H, format);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  if (format === 'png') paintCells(ctx, cells, image);
  else {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cells, image.x, image.y, image.w, image.h);
  }

  // Colorbar: 256 equal bands, entry 0 at the bottom, drawn from a 1×256 strip.
  const strip = createCanvas(1, 256);
  const stripCtx = strip.getContext('2d');
  const stripData = stripCtx.createImageData(1, 256);
  for (let i = 0; i < 256; i++) {
    stripData.data.set(cmap.lut.subarray((255 - i) * 3, (256 - i) * 3), i * 4);
    stripData.data[i * 4 + 3] = 255;
  }
  stripCtx.putImageData(stripData, 0, 0);
  if (format === 'png') paintCells(ctx, strip, bar);
  else ctx.drawImage(strip, bar.x, bar.y, bar.w, bar.h);

  const tickLength = 3.5 * pt;
  const tickPad = 3.5 * pt;
  const labelSize = 10 * pt;
  ctx.strokeStyle = '#000000';
  ctx.fillStyle = '#000000';
  ctx.lineWidth = 0.8 * pt;
  for (const b of [image, bar]) ctx.strokeRect(b.x, b.y, b.w, b.h);
  ctx.font = `${labelSize}px "${family}"`;

  // Image axes: cell i spans [i − 0.5, i + 0.5] (imshow's extent); at most 9 ticks, one per 3 (x) or 2 (y)
  // label heights of axis length (matplotlib's Axis.get_tick_space).
  const xTicks = niceTicks(-0.5, cols - 0.5, Math.min(9, Math.floor(image.w / (labelSize * 3))));
  const yTicks = niceTicks(-0.5, rows - 0.5, Math.min(9, Math.floor(image.h / (labelSize * 2))));
  const xLabels = formatTicks(xTicks).labels;
  const yLabels = formatTicks(yTicks).labels;
  ctx.beginPath();
  xTicks.forEach((t, k) => {
    const x = image.x + ((t + 0.5) / cols) * image.w;
    ctx.moveTo(x, image.y + image.h);
    ctx.lineTo(x, image.y + image.h + tickLength);
    drawText(ctx, xLabels[k], x, image.y + image.h + tickLength + tickPad, 'center', 'top');
  });
  let yLabelWidth = 0;
  yTicks.forEach((t, k) => {
    const y = image.y + ((t + 0.5) / rows) * image.h;
    ctx.moveTo(image.x, y);
    ctx.lineTo(image.x - tickLength, y);
    drawText(ctx, yLabels[k], image.x - tickLength - tickPad, y, 'right', 'middle');
    yLabelWidth = Math.max(yLabelWidth, ctx.measureText(yLabels[k]).width);
  });

  // Colorbar ticks on the right, at the norm's positions of nice values.
  const t = normaliser(norm);
  const maxBarTicks = Math.min(9, Math.floor(bar.h / (labelSize * 2)));
  const barLabels = colorbarTicks(norm, maxBarTicks);
  barLabels.ticks.forEach((value, k) => {
    const y = bar.y + bar.h - t(value) * bar.h;
    ctx.moveTo(bar.x + bar.w, y);
    ctx.lineTo(bar.x + bar.w + tickLength, y);
    drawText(ctx, barLabels.labels[k], bar.x + bar.w + tickLength + tickPad, y, 'left', 'middle');
  });
  ctx.stroke();
  if (barLabels.exponent !== 0) {
    drawText(ctx, `1e${barLabels.exponent}`.replace('-', '\u2212'), bar.x, bar.y - tickPad, 'left', 'bottom');
  }
  const labelPad = 4 * pt; // rcParams axes.labelpad
  if (options.xlabel) {
    drawText(ctx, options.xlabel, image.x + image.w / 2, image.y + image.h + tickLength + tickPad + labelSize * 1.2 + labelPad, 'center', 'top');
  }
  if (options.ylabel) {
    ctx.save();
    ctx.translate(image.x - tickLength - tickPad - yLabelWidth - labelPad, image.y + image.h / 2);
    ctx.rotate(-Math.PI / 2);
    drawText(ctx, options.ylabel, 0, 0, 'center', 'bottom');
    ctx.restore();
  }
  const title = options.title ?? 'Neural Tangent Kernel';
  if (title) {
    ctx.font = `${12 * pt}px "${family}"`;
    drawText(ctx, title, image.x + image.w / 2, image.y - 6 * pt, 'center', 'alphabetic');
  }
  return {
    image: encode(canvas, format),
    width: W,
    height: H,
    norm,
    nanCells,
    downsampled: tooLarge ? { mode, from: [rows, cols], to: [shown.rows, shown.cols] } : null,
  };
}
