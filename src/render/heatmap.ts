/**
 * A kernel matrix drawn as matplotlib draws `plt.imshow(K, cmap="hot");
 * plt.title(...); plt.colorbar()` on its default 6.4×4.8 in, 100 dpi figure.
 *
 * Layout (matplotlib defaults): the axes occupy [0.125, 0.9] × [0.11, 0.88] of
 * the figure; `colorbar()` gives the right 15% of that box to the colorbar,
 * after a 5% pad (`make_axes`, fraction 0.15, pad 0.05), at a 20:1 aspect. The
 * image keeps square cells and sits at the right of its box. Sizes in points
 * (tick labels 10 pt, title 12 pt, ticks 3.5 pt long, 3.5 pt pad, lines
 * 0.8 pt) scale with the dpi.
 */
import { createCanvas, type CanvasRenderingContext2D } from 'canvas';
import { colormapByName, lutIndex } from './colormaps';
import { ensureFont } from './fonts';
import { formatTicks, niceTicks } from './ticks';

export interface Matrix {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
}

export interface HeatmapOptions {
  title?: string;
  cmap?: string;
  reverse?: boolean;
  vmin?: number;
  vmax?: number;
  /** Figure size in pixels. */
  width?: number;
  height?: number;
  dpi?: number;
  xlabel?: string;
  ylabel?: string;
}

export type ImageFormat = 'png' | 'svg' | 'pdf';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The data's finite min and max (NaN-free). */
export function finiteRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/** Normalise to [0, 1] as matplotlib's Normalize does; a constant range maps everything to 0. */
function normaliser(vmin: number, vmax: number): (v: number) => number {
  const span = vmax - vmin;
  return span > 0 ? (v) => (v - vmin) / span : () => 0;
}

/**
 * Draw the matrix into `box` pixel by pixel: each pixel takes the cell under
 * its centre (nearest neighbour), so cells stay crisp and no cell is skipped
 * when the box has at least as many pixels as the matrix has cells.
 */
function paintMatrix(ctx: CanvasRenderingContext2D, matrix: Matrix, box: Box, colour: (v: number) => number[]): void {
  const w = Math.max(1, Math.round(box.w));
  const h = Math.max(1, Math.round(box.h));
  const image = ctx.createImageData(w, h);
  const cellOfColumn = Array.from({ length: w }, (_, px) => Math.min(matrix.cols - 1, Math.floor(((px + 0.5) * matrix.cols) / w)));
  for (let py = 0; py < h; py++) {
    const row = Math.min(matrix.rows - 1, Math.floor(((py + 0.5) * matrix.rows) / h));
    for (let px = 0; px < w; px++) {
      const [r, g, b] = colour(matrix.values[row * matrix.cols + cellOfColumn[px]]);
      const o = (py * w + px) * 4;
      image.data[o] = r;
      image.data[o + 1] = g;
      image.data[o + 2] = b;
      image.data[o + 3] = 255;
    }
  }
  ctx.putImageData(image, Math.round(box.x), Math.round(box.y));
}

function drawText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, align: "left" | "right" | "center", baseline: "top" | "middle" | "bottom" | "alphabetic"): void {
  ctx.textAlign = align;
  ctx.textBaseline = baseline;
  ctx.fillText(text, x, y);
}

/** A box with its edges rounded to whole pixels (so neighbouring boxes share edges), at least 1 px. */
function pixelBox(x: number, y: number, w: number, h: number): Box {
  const left = Math.round(x);
  const top = Math.round(y);
  return { x: left, y: top, w: Math.max(1, Math.round(x + w) - left), h: Math.max(1, Math.round(y + h) - top) };
}

/**
 * Where the image and the colorbar go, in whole pixels (y down). The axes box
 * is [0.125, 0.9] × [0.11, 0.88] of the figure; the colorbar takes its right
 * 15% after a 5% pad, at 20:1; the image keeps square cells, right-aligned
 * and vertically centred in what is left (matplotlib's anchors 'E' and 'W').
 */
export function heatmapLayout(rows: number, cols: number, W: number, H: number): { image: Box; bar: Box } {
  const axes = { x: 0.125 * W, y: (1 - 0.88) * H, w: 0.775 * W, h: 0.77 * H };
  const parentW = axes.w * 0.8;
  const scale = Math.min(parentW / cols, axes.h / rows);
  const imageX = axes.x + parentW - scale * cols;
  const imageY = axes.y + (axes.h - scale * rows) / 2;
  const image = pixelBox(imageX, imageY, scale * cols, scale * rows);
  const bar = pixelBox(axes.x + axes.w * 0.85, axes.y, axes.h / 20, axes.h);
  return { image, bar };
}

export function renderHeatmap(matrix: Matrix, options: HeatmapOptions = {}, format: ImageFormat = 'png'): Buffer {
  const dpi = options.dpi ?? 100;
  const W = options.width ?? Math.round(6.4 * dpi);
  const H = options.height ?? Math.round(4.8 * dpi);
  const pt = dpi / 72;
  const family = ensureFont();
  const canvas = format === 'png' ? createCanvas(W, H) : createCanvas(W, H, format);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);

  const [dataMin, dataMax] = finiteRange(matrix.values);
  const vmin = options.vmin ?? dataMin;
  const vmax = options.vmax ?? dataMax;
  const cmap = colormapByName(options.cmap ?? 'hot', options.reverse);
  const norm = normaliser(vmin, vmax);
  const colourOf = (v: number) => {
    const i = lutIndex(norm(v));
    return [cmap.lut[i * 3], cmap.lut[i * 3 + 1], cmap.lut[i * 3 + 2]];
  };

  const { image, bar } = heatmapLayout(matrix.rows, matrix.cols, W, H);
  paintMatrix(ctx, matrix, image, colourOf);
  // Colorbar: 256 equal bands from the bottom (t = 0) to the top (t = 1).
  const barImage = ctx.createImageData(bar.w, bar.h);
  for (let py = 0; py < bar.h; py++) {
    const i = Math.min(255, Math.floor(((bar.h - 1 - py + 0.5) / bar.h) * 256));
    for (let px = 0; px < bar.w; px++) {
      const o = (py * bar.w + px) * 4;
      barImage.data.set([cmap.lut[i * 3], cmap.lut[i * 3 + 1], cmap.lut[i * 3 + 2], 255], o);
    }
  }
  ctx.putImageData(barImage, bar.x, bar.y);

  const lineWidth = 0.8 * pt;
  const tickLength = 3.5 * pt;
  const tickPad = 3.5 * pt;
  const labelSize = 10 * pt;
  ctx.strokeStyle = '#000000';
  ctx.fillStyle = '#000000';
  ctx.lineWidth = lineWidth;
  for (const b of [image, bar]) ctx.strokeRect(b.x, b.y, b.w, b.h);
  ctx.font = `${labelSize}px "${family}"`;

  // Image axes: cell i spans [i − 0.5, i + 0.5]; ticks sit on cell centres (matplotlib's imshow extent).
  const xTicks = niceTicks(-0.5, matrix.cols - 0.5, Math.min(9, Math.floor(image.w / pt / (10 * 3))));
  const yTicks = niceTicks(-0.5, matrix.rows - 0.5, Math.min(9, Math.floor(image.h / pt / (10 * 2))));
  const xLabels = formatTicks(xTicks).labels;
  const yLabels = formatTicks(yTicks).labels;
  ctx.beginPath();
  xTicks.forEach((t, k) => {
    const x = image.x + ((t + 0.5) / matrix.cols) * image.w;
    ctx.moveTo(x, image.y + image.h);
    ctx.lineTo(x, image.y + image.h + tickLength);
    drawText(ctx, xLabels[k], x, image.y + image.h + tickLength + tickPad, 'center', 'top');
  });
  yTicks.forEach((t, k) => {
    const y = image.y + ((t + 0.5) / matrix.rows) * image.h;
    ctx.moveTo(image.x, y);
    ctx.lineTo(image.x - tickLength, y);
    drawText(ctx, yLabels[k], image.x - tickLength - tickPad, y, 'right', 'middle');
  });
  // Colorbar ticks on the right, value axis upwards.
  const barTicks = niceTicks(vmin, vmax, Math.min(9, Math.floor(bar.h / pt / (10 * 2))));
  const barLabels = formatTicks(barTicks);
  const span = vmax - vmin || 1;
  barTicks.forEach((t, k) => {
    const y = bar.y + bar.h - ((t - vmin) / span) * bar.h;
    ctx.moveTo(bar.x + bar.w, y);
    ctx.lineTo(bar.x + bar.w + tickLength, y);
    drawText(ctx, barLabels.labels[k], bar.x + bar.w + tickLength + tickPad, y, 'left', 'middle');
  });
  ctx.stroke();
  if (barLabels.exponent !== 0) {
    drawText(ctx, `1e${barLabels.exponent}`.replace('-', '\u2212'), bar.x, bar.y - tickPad, 'left', 'bottom');
  }
  if (options.xlabel) drawText(ctx, options.xlabel, image.x + image.w / 2, image.y + image.h + tickLength + tickPad + labelSize * 1.4, 'center', 'top');
  if (options.ylabel) {
    ctx.save();
    ctx.translate(image.x - tickLength - tickPad - ctx.measureText('0000').width - labelSize * 0.4, image.y + image.h / 2);
    ctx.rotate(-Math.PI / 2);
    drawText(ctx, options.ylabel, 0, 0, 'center', 'bottom');
    ctx.restore();
  }
  const title = options.title ?? 'Neural Tangent Kernel';
  if (title) {
    ctx.font = `${12 * pt}px "${family}"`;
    drawText(ctx, title, image.x + image.w / 2, image.y - 6 * pt, 'center', 'alphabetic');
  }
  return format === 'png' ? canvas.toBuffer('image/png') : canvas.toBuffer();
}
