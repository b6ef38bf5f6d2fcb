/**
 * Everything around a heatmap's cells: the frames, the image's ticks and
 * labels, the colorbar's ticks (with a shared ×10ᵏ factor when needed), the
 * axis labels and the title, in matplotlib's default sizes (rcParams: tick
 * labels 10 pt, title 12 pt, ticks 3.5 pt long with a 3.5 pt pad, lines
 * 0.8 pt, axes.labelpad 4 pt), scaled by dpi/72 pixels per point.
 */
import type { CanvasRenderingContext2D } from 'canvas';
import { groupTicks, type Groups } from './groups';
import type { Box } from './layout';
import { normaliser, type NormSpec } from './normalize';
import { formatTicks, logTicks, niceTicks, symlogTicks } from './ticks';

type Align = 'left' | 'right' | 'center';
type Baseline = 'top' | 'middle' | 'bottom' | 'alphabetic';

function drawText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, align: Align, baseline: Baseline): void {
  ctx.textAlign = align;
  ctx.textBaseline = baseline;
  ctx.fillText(text, x, y);
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

export interface AxesText {
  title: string;
  xlabel?: string;
  ylabel?: string;
  /** Named groups of rows and columns: their names replace the numeric ticks where they fit. */
  groups?: { rows?: Groups; cols?: Groups };
}

/** Draw the frames, ticks, labels and title of a `rows × cols` heatmap whose cells fill `image`. */
export function drawAxes(ctx: CanvasRenderingContext2D, boxes: { image: Box; bar: Box }, rows: number, cols: number, norm: NormSpec, text: AxesText, pt: number, family: string): void {
  const { image, bar } = boxes;
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
  // Named groups (classes) replace the numbers where every name fits its group.
  const measure = (label: string) => ctx.measureText(label).width;
  const xGroups = groupTicks(text.groups?.cols, cols, image.w, measure, true, labelSize * 1.2);
  const yGroups = groupTicks(text.groups?.rows, rows, image.h, measure, false, labelSize * 1.2);
  const xTicks = xGroups?.positions ?? niceTicks(-0.5, cols - 0.5, Math.min(9, Math.floor(image.w / (labelSize * 3))));
  const yTicks = yGroups?.positions ?? niceTicks(-0.5, rows - 0.5, Math.min(9, Math.floor(image.h / (labelSize * 2))));
  const xLabels = xGroups?.labels ?? formatTicks(xTicks).labels;
  const yLabels = yGroups?.labels ?? formatTicks(yTicks).labels;
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
  if (text.xlabel) {
    drawText(ctx, text.xlabel, image.x + image.w / 2, image.y + image.h + tickLength + tickPad + labelSize * 1.2 + labelPad, 'center', 'top');
  }
  if (text.ylabel) {
    ctx.save();
    ctx.translate(image.x - tickLength - tickPad - yLabelWidth - labelPad, image.y + image.h / 2);
    ctx.rotate(-Math.PI / 2);
    drawText(ctx, text.ylabel, 0, 0, 'center', 'bottom');
    ctx.restore();
  }
  const title = text.title;
  if (title) {
    ctx.font = `${12 * pt}px "${family}"`;
    drawText(ctx, title, image.x + image.w / 2, image.y - 6 * pt, 'center', 'alphabetic');
  }
}
