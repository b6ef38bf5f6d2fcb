/**
 * A figure of one or more panels side by side, drawn as matplotlib draws
 * `fig, axes = plt.subplots(1, k)` with its default style: the axes boxes
 * of figure.subplot.*, four spines, outward ticks (major 3.5 pt, minor 2 pt),
 * tick labels 10 pt, axis labels 4 pt beyond them, the title 6 pt above the
 * axes, and a legend where it hides the least. PNG, SVG or PDF.
 */
import { createCanvas, type CanvasRenderingContext2D } from 'canvas';
import { encode, type ImageFormat } from '../encode';
import { ensureFont } from '../fonts';
import type { Box } from '../layout';
import { drawArtists, type Projection } from './artists';
import { drawLegend } from './legend';
import { axisTicks, transformOf, viewOf, type AxisTicks, type Tick } from './scales';
import { FIGURE, INK, SIZES } from './style';
import { drawLabel, drawVerticalText, measureLabel, titleLines, type Text } from './text';
import type { AxisSpec, Figure, Panel } from './types';

/** The axes boxes of k panels in a figure W × H pixels (GridSpec with wspace 0.2). */
export function panelBoxes(k: number, W: number, H: number): Box[] {
  const total = (FIGURE.right - FIGURE.left) * W;
  const cell = total / (k + FIGURE.wspace * (k - 1));
  const y = Math.round((1 - FIGURE.top) * H);
  const h = Math.round((1 - FIGURE.bottom) * H) - y;
  return Array.from({ length: k }, (_, i) => {
    const x = FIGURE.left * W + i * cell * (1 + FIGURE.wspace);
    return { x: Math.round(x), y, w: Math.round(x + cell) - Math.round(x), h };
  });
}

function projector(spec: AxisSpec, view: [number, number], start: number, length: number, flip: boolean): (v: number) => number {
  const t = transformOf(spec.scale);
  const [a, b] = [t(view[0]), t(view[1])];
  return (v) => {
    if (spec.scale === 'log' && !(v > 0)) return NaN;
    const f = (t(v) - a) / (b - a);
    return flip ? start + length * (1 - f) : start + length * f;
  };
}

type Side = 'bottom' | 'left' | 'right';

/**
 * Labels that would overlap their neighbours are dropped: minor labels
 * first, then every other major label, until the rest fit (matplotlib can
 * overlap; a chart here never does).
 */
export function fittingLabels(ticks: AxisTicks, position: (v: number) => number, size: (t: Tick) => number, keep = 2): Tick[] {
  const labelled = (list: Tick[]) => list.filter((t) => t.label.text !== '');
  const fits = (list: Tick[]) => {
    const sorted = [...list].sort((a, b) => position(a.value) - position(b.value));
    return sorted.every((t, i) => i === 0 || Math.abs(position(t.value) - position(sorted[i - 1].value)) >= (size(t) + size(sorted[i - 1])) / 2 + 2);
  };
  const all = labelled([...ticks.major, ...ticks.minor]);
  if (fits(all)) return all;
  let majors = labelled(ticks.major);
  while (majors.length > keep && !fits(majors)) majors = majors.filter((_, i) => i % 2 === 0);
  return majors;
}

/** A tick label an axis shows, with its distance from the spine. */
type Shown = { tick: Tick; pad: number };

/** The tick labels an axis shows: those that fit (fittingLabels), each with its distance from the spine. */
function shownLabels(ctx: CanvasRenderingContext2D, side: Side, ticks: AxisTicks, project: (v: number) => number, family: string, pt: number): Shown[] {
  const px = SIZES.tickLabel * pt;
  const size = (t: Tick) => {
    const m = measureLabel(ctx, t.label, family, px);
    return side === 'bottom' ? m.width : m.ascent + m.descent;
  };
  const majors = new Set(ticks.major);
  return fittingLabels(ticks, project, size).map((tick) => ({ tick, pad: (majors.has(tick) ? SIZES.majorTick + SIZES.majorPad : SIZES.minorTick + SIZES.minorPad) * pt }));
}

/** How far a vertical axis's tick labels and label reach out from its spine, in pixels. */
function verticalAxisReach(ctx: CanvasRenderingContext2D, shown: Shown[], label: Text | undefined, family: string, pt: number): number {
  const px = SIZES.tickLabel * pt;
  let reach = (SIZES.majorTick + SIZES.majorPad) * pt;
  for (const { tick, pad } of shown) reach = Math.max(reach, pad + measureLabel(ctx, tick.label, family, px).width);
  if (!label) return reach;
  const m = measureLabel(ctx, label, family, SIZES.axisLabel * pt);
  return reach + SIZES.labelPad * pt + m.ascent + m.descent;
}

/** Ticks, the tick labels `shown`, offset text and axis label of one axis. */
function drawAxis(ctx: CanvasRenderingContext2D, side: Side, ticks: AxisTicks, shown: Shown[], project: (v: number) => number, box: Box, label: Text | undefined, family: string, pt: number): void {
  const px = SIZES.tickLabel * pt;
  const horizontal = side === 'bottom';
  const edge = side === 'bottom' ? box.y + box.h : side === 'left' ? box.x : box.x + box.w;
  const outward = side === 'left' ? -1 : 1;
  ctx.strokeStyle = INK;
  ctx.fillStyle = INK;
  for (const [list, length, width] of [[ticks.major, SIZES.majorTick, SIZES.majorTickWidth], [ticks.minor, SIZES.minorTick, SIZES.minorTickWidth]] as const) {
    ctx.lineWidth = width * pt;
    ctx.beginPath();
    for (const tick of list) {
      const at = project(tick.value);
      if (horizontal) {
        ctx.moveTo(at, edge);
        ctx.lineTo(at, edge + length * pt);
      } else {
        ctx.moveTo(edge, at);
        ctx.lineTo(edge + outward * length * pt, at);
      }
    }
    ctx.stroke();
  }
  let reach = 0;
  for (const { tick, pad } of shown) {
    const at = project(tick.value);
    const drawn = horizontal
      ? drawLabel(ctx, tick.label, family, px, at, edge + pad, 'center', 'top')
      : drawLabel(ctx, tick.label, family, px, edge + outward * pad, at, side === 'left' ? 'right' : 'left', 'center');
    reach = Math.max(reach, horizontal ? drawn.y + drawn.h - edge : side === 'left' ? edge - drawn.x : drawn.x + drawn.w - edge);
  }
  reach = Math.max(reach, (SIZES.majorTick + SIZES.majorPad) * pt);
  if (ticks.offsetText) {
    if (horizontal) drawLabel(ctx, ticks.offsetText, family, px, box.x + box.w, edge + reach + SIZES.offsetTextPad * pt, 'right', 'top');
    else drawLabel(ctx, ticks.offsetText, family, px, side === 'left' ? box.x : box.x + box.w, box.y - SIZES.offsetTextPad * pt, side === 'left' ? 'left' : 'right', 'bottom');
  }
  if (!label) return;
  const labelPx = SIZES.axisLabel * pt;
  const at = reach + SIZES.labelPad * pt;
  if (horizontal) drawLabel(ctx, label, family, labelPx, box.x + box.w / 2, edge + at, 'center', 'top');
  else drawVerticalText(ctx, label, family, labelPx, edge + outward * at, box.y + box.h / 2, side === 'left' ? 'left' : 'right');
}

/**
 * Draw a panel in its axes box, narrowed where its vertical axes' labels would not fit in `room`
 * (pixels free beside the box on each side): matplotlib would cut them off at the figure's edge
 * or draw them over the next panel.
 */
function drawPanel(ctx: CanvasRenderingContext2D, panel: Panel, cell: Box, room: { left: number; right: number }, family: string, pt: number): void {
  const rightArtists = panel.right?.artists ?? [];
  const xView = viewOf(panel.x, [...panel.artists, ...rightArtists], 'x');
  const yView = viewOf(panel.y, panel.artists, 'y');
  const lengthPt = (pixels: number) => pixels / pt;
  const yTicks = axisTicks(panel.y, yView, lengthPt(cell.h), 'y');
  const yProject = projector(panel.y, yView, cell.y, cell.h, true);
  const rightView = panel.right ? viewOf(panel.right.axis, rightArtists, 'y') : null;
  const rightTicks = panel.right && rightView ? axisTicks(panel.right.axis, rightView, lengthPt(cell.h), 'y') : null;
  const rightProject = panel.right && rightView ? projector(panel.right.axis, rightView, cell.y, cell.h, true) : null;
  const margin = 2;
  const wanted = (need: number, free: number) => Math.max(0, Math.ceil(need + margin - free));
  // The vertical axes' labels, fitted once: their reach places the box, and they are drawn as fitted.
  const yShown = shownLabels(ctx, 'left', yTicks, yProject, family, pt);
  const rightShown = rightTicks && rightProject ? shownLabels(ctx, 'right', rightTicks, rightProject, family, pt) : [];
  let moreLeft = wanted(verticalAxisReach(ctx, yShown, panel.y.label, family, pt), room.left);
  let moreRight = panel.right && rightTicks ? wanted(verticalAxisReach(ctx, rightShown, panel.right.axis.label, family, pt), room.right) : 0;
  // The axes keep half their width at least: labels wider than that are cut off, as matplotlib cuts them.
  const most = cell.w / 2;
  if (moreLeft + moreRight > most) [moreLeft, moreRight] = [moreLeft, moreRight].map((m) => Math.floor((m * most) / (moreLeft + moreRight)));
  const box: Box = { x: cell.x + moreLeft, y: cell.y, w: cell.w - moreLeft - moreRight, h: cell.h };
  const left: Projection = { x: projector(panel.x, xView, box.x, box.w, false), y: yProject, box, pt };
  drawArtists(ctx, panel.artists, left);
  let right: Projection | null = null;
  if (panel.right && rightProject) {
    right = { x: left.x, y: rightProject, box, pt };
    drawArtists(ctx, rightArtists, right);
  }
  ctx.strokeStyle = INK;
  ctx.lineWidth = SIZES.spine * pt;
  ctx.lineJoin = 'miter';
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  const xTicks = axisTicks(panel.x, xView, lengthPt(box.w), 'x');
  drawAxis(ctx, 'bottom', xTicks, shownLabels(ctx, 'bottom', xTicks, left.x, family, pt), left.x, box, panel.x.label, family, pt);
  drawAxis(ctx, 'left', yTicks, yShown, left.y, box, panel.y.label, family, pt);
  if (panel.right && right && rightTicks) drawAxis(ctx, 'right', rightTicks, rightShown, right.y, box, panel.right.axis.label, family, pt);
  if (panel.title) {
    for (const { line, baseline } of titleLines(panel.title, SIZES.title * pt, box.y - SIZES.titlePad * pt)) drawLabel(ctx, line, family, SIZES.title * pt, box.x + box.w / 2, baseline, 'center', 'baseline');
  }
  if (panel.legend !== false) {
    const artists = [...panel.artists, ...rightArtists];
    drawLegend(ctx, artists, artists.map((_, i) => (i < panel.artists.length ? left : right!)), box, family, pt);
  }
}

/** Draw the figure: panels side by side, each `width × height` (default 640 × 480 at 100 dpi). */
export function renderFigure(figure: Figure, format: ImageFormat): Buffer {
  const family = ensureFont();
  const k = figure.panels.length;
  const width = (figure.width ?? FIGURE.widthInches * FIGURE.dpi) * k;
  const height = figure.height ?? FIGURE.heightInches * FIGURE.dpi;
  const canvas = format === 'png' ? createCanvas(width, height) : createCanvas(width, height, format);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  const pt = FIGURE.dpi / 72;
  const boxes = panelBoxes(k, width, height);
  boxes.forEach((box, i) => {
    // Beside each box: up to the figure's edge, or across the gap to the next panel, half of it
    // where that panel has an axis on this side too.
    const gapBefore = i === 0 ? box.x : box.x - boxes[i - 1].x - boxes[i - 1].w;
    const gapAfter = i === k - 1 ? width - box.x - box.w : boxes[i + 1].x - box.x - box.w;
    const room = {
      left: i > 0 && figure.panels[i - 1].right ? gapBefore / 2 : gapBefore,
      right: i < k - 1 ? gapAfter / 2 : gapAfter,
    };
    drawPanel(ctx, figure.panels[i], box, room, family, pt);
  });
  return encode(canvas, format);
}
