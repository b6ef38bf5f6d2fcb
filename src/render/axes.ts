/**
 * Everything around a heatmap's cells: the frames, the image's ticks and
 * labels, the colorbar's ticks (with matplotlib's offset text when needed), the
 * axis labels and the title, in matplotlib's default sizes (rcParams: tick
 * labels 10 pt, title 12 pt, ticks 3.5 pt long with a 3.5 pt pad, lines
 * 0.8 pt, axes.labelpad 4 pt), scaled by dpi/72 pixels per point.
 */
import type { CanvasRenderingContext2D } from 'canvas';
import { groupTicks, type Groups } from './groups';
import type { Box } from './layout';
import { normaliser, symlogTransform, type NormSpec } from './normalize';
import { fittingLabels } from './plot/figure';
import { logLabel } from './plot/formatters';
import { symlogTicks, ticksInView } from './plot/locators';
import { axisTicks, type AxisTicks, type Tick } from './plot/scales';
import { SIZES } from './plot/style';
import { drawLabel, measureLabel, titleLines } from './plot/text';

type Align = 'left' | 'right' | 'center';
type Baseline = 'top' | 'middle' | 'bottom' | 'alphabetic';

function drawText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, align: Align, baseline: Baseline): void {
  ctx.textAlign = align;
  ctx.textBaseline = baseline;
  ctx.fillText(text, x, y);
}

/** An axis's tick positions, their labels ('' for an unlabelled tick) and matplotlib's offset text ("1e−5", "+1e10"), or ''. */
interface LabelledTicks {
  ticks: number[];
  labels: string[];
  offsetText: string;
}

/**
 * An image axis (cell i spans [i − 0.5, i + 0.5], imshow's extent): matplotlib's ticks, with a
 * label only where it does not overlap its neighbours, down to one (as the charts do, plot/figure.ts,
 * which keep two: a thin image's two ticks would otherwise print one label over the other).
 */
function imageAxis(view: [number, number], lengthPx: number, pt: number, which: 'x' | 'y', at: (v: number) => number, size: (label: string) => number): LabelledTicks {
  const axis = axisTicks({ scale: 'linear' }, view, lengthPx / pt, which);
  const labelled = new Set(fittingLabels(axis, at, (t) => size(t.label.text), 1));
  return { ticks: axis.major.map((t) => t.value), labels: axis.major.map((t) => (labelled.has(t) ? t.label.text : '')), offsetText: axis.offsetText };
}

/**
 * Colorbar ticks for the norm: a linear or logarithmic axis as matplotlib ticks and labels one
 * (AutoLocator and ScalarFormatter; LogLocator and LogFormatterSciNotation, with minor ticks,
 * labelled within a decade or two), or 0 and ±powers of ten (symlog).
 */
export function colorbarTicks(norm: NormSpec, barHeight: number, pt: number): AxisTicks {
  if (norm.kind === 'symlog') {
    const view: [number, number] = [norm.vmin, norm.vmax];
    const ticks = ticksInView(symlogTicks(norm.vmin, norm.vmax, norm.linthresh), view, symlogTransform(norm.linthresh));
    return { major: ticks.map((value) => ({ value, label: logLabel(value, view, norm.linthresh) })), minor: [], offsetText: '' };
  }
  return axisTicks({ scale: norm.kind === 'log' ? 'log' : 'linear' }, [norm.vmin, norm.vmax], barHeight / pt, 'y');
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

  // Image axes: at most 9 ticks, one per 3 (x) or 2 (y) label heights of axis length (matplotlib's
  // Axis.get_tick_space). Named groups (classes) replace the numbers where every name fits its group.
  const measure = (label: string) => ctx.measureText(label).width;
  const xGroups = groupTicks(text.groups?.cols, cols, image.w, measure, true, labelSize * 1.2);
  const yGroups = groupTicks(text.groups?.rows, rows, image.h, measure, false, labelSize * 1.2);
  const xAt = (v: number) => image.x + ((v + 0.5) / cols) * image.w;
  const yAt = (v: number) => image.y + ((v + 0.5) / rows) * image.h;
  const xAxis = xGroups ? null : imageAxis([-0.5, cols - 0.5], image.w, pt, 'x', xAt, (label) => measure(label));
  const yAxis = yGroups ? null : imageAxis([-0.5, rows - 0.5], image.h, pt, 'y', yAt, () => labelSize);
  const xTicks = xGroups?.positions ?? xAxis!.ticks;
  const yTicks = yGroups?.positions ?? yAxis!.ticks;
  const xLabels = xGroups?.labels ?? xAxis!.labels;
  const yLabels = yGroups?.labels ?? yAxis!.labels;
  ctx.beginPath();
  xTicks.forEach((t, k) => {
    const x = xAt(t);
    ctx.moveTo(x, image.y + image.h);
    ctx.lineTo(x, image.y + image.h + tickLength);
    drawText(ctx, xLabels[k], x, image.y + image.h + tickLength + tickPad, 'center', 'top');
  });
  let yLabelWidth = 0;
  yTicks.forEach((t, k) => {
    const y = yAt(t);
    ctx.moveTo(image.x, y);
    ctx.lineTo(image.x - tickLength, y);
    drawText(ctx, yLabels[k], image.x - tickLength - tickPad, y, 'right', 'middle');
    yLabelWidth = Math.max(yLabelWidth, ctx.measureText(yLabels[k]).width);
  });

  // Colorbar ticks on the right, at the norm's positions of nice values; labels that would overlap dropped, as in the charts.
  const t = normaliser(norm);
  const barTicks = colorbarTicks(norm, bar.h, pt);
  const barAt = (value: number) => bar.y + bar.h - t(value) * bar.h;
  const labelHeight = (tick: Tick) => {
    const m = measureLabel(ctx, tick.label, family, labelSize);
    return m.ascent + m.descent;
  };
  const labelled = new Set(fittingLabels(barTicks, barAt, labelHeight));
  const barLabels: [Tick, number][] = [];
  for (const tick of barTicks.major) {
    ctx.moveTo(bar.x + bar.w, barAt(tick.value));
    ctx.lineTo(bar.x + bar.w + tickLength, barAt(tick.value));
    if (labelled.has(tick)) barLabels.push([tick, tickLength + tickPad]);
  }
  ctx.stroke();
  if (barTicks.minor.length) {
    ctx.lineWidth = SIZES.minorTickWidth * pt;
    ctx.beginPath();
    for (const tick of barTicks.minor) {
      ctx.moveTo(bar.x + bar.w, barAt(tick.value));
      ctx.lineTo(bar.x + bar.w + SIZES.minorTick * pt, barAt(tick.value));
      if (labelled.has(tick)) barLabels.push([tick, (SIZES.minorTick + SIZES.minorPad) * pt]);
    }
    ctx.stroke();
    ctx.lineWidth = 0.8 * pt;
  }
  for (const [tick, pad] of barLabels) {
    // A power of ten is drawn with its exponent raised (mathtext's 10^{k}); plain numbers as before.
    if (tick.label.superscript) drawLabel(ctx, tick.label, family, labelSize, bar.x + bar.w + pad, barAt(tick.value), 'left', 'center');
    else drawText(ctx, tick.label.text, bar.x + bar.w + pad, barAt(tick.value), 'left', 'middle');
  }
  ctx.font = `${labelSize}px "${family}"`;
  if (barTicks.offsetText) drawText(ctx, barTicks.offsetText, bar.x, bar.y - tickPad, 'left', 'bottom');
  // The image axes' own offset texts (a matrix of a million rows or more): below the x axis's right end, above the y axis.
  const offsetPad = 3 * pt; // Axis.OFFSETTEXTPAD
  if (xAxis?.offsetText) drawText(ctx, xAxis.offsetText, image.x + image.w, image.y + image.h + tickLength + tickPad + labelSize * 1.2 + offsetPad, 'right', 'top');
  if (yAxis?.offsetText) drawText(ctx, yAxis.offsetText, image.x, image.y - offsetPad, 'left', 'bottom');
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
    ctx.font = `${SIZES.title * pt}px "${family}"`;
    for (const { line, baseline } of titleLines(title, SIZES.title * pt, image.y - SIZES.titlePad * pt)) drawText(ctx, line, image.x + image.w / 2, baseline, 'center', 'alphabetic');
  }
}
