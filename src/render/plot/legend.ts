/**
 * The legend as matplotlib draws it (legend.* rcParams: 10 pt text, handles
 * 2 font sizes long, a white frame at 80% opacity with a light grey rounded
 * edge), placed with loc='best': of matplotlib's nine positions, in its
 * order, the first that covers the fewest line vertices, scatter points and
 * crossings of line segments (Legend._find_best_position).
 */
import type { CanvasRenderingContext2D } from 'canvas';
import type { Box } from '../layout';
import { drawHandle, polylines, type Projection } from './artists';
import { LEGEND, SIZES } from './style';
import { drawLabel, measureLabel } from './text';
import type { Artist } from './types';

interface Entry {
  artist: Artist;
  label: string;
}

/** Does the segment (x0, y0)–(x1, y1) meet the box? (Liang–Barsky clipping.) */
function segmentMeetsBox(x0: number, y0: number, x1: number, y1: number, b: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  for (const [p, q] of [[-dx, x0 - b.x], [dx, b.x + b.w - x0], [-dy, y0 - b.y], [dy, b.y + b.h - y0]]) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 > t1) return false;
  }
  return true;
}

const inside = (x: number, y: number, b: Box) => x > b.x && x < b.x + b.w && y > b.y && y < b.y + b.h;

/** How much of the data a legend at `box` would hide. */
function badness(box: Box, artists: Artist[], projections: Projection[]): number {
  let count = 0;
  artists.forEach((artist, k) => {
    const p = projections[k];
    if (artist.kind === 'line') {
      for (const run of polylines(artist.x, artist.y, p)) {
        for (let i = 0; i < run.length; i++) {
          if (inside(run[i][0], run[i][1], box)) count++;
          if (i > 0 && segmentMeetsBox(run[i - 1][0], run[i - 1][1], run[i][0], run[i][1], box)) count++;
        }
      }
    } else if (artist.kind === 'points') {
      artist.x.forEach((x, i) => {
        if (inside(p.x(x), p.y(artist.y[i]), box)) count++;
      });
    } else if (artist.kind === 'hline') {
      const y = p.y(artist.y);
      if (y > box.y && y < box.y + box.h) count++;
    }
  });
  return count;
}

/**
 * Draw the legend of the labelled artists inside `axes`. `projections[k]`
 * maps artist k (the twin axes' artists use the right axis).
 */
export function drawLegend(ctx: CanvasRenderingContext2D, artists: Artist[], projections: Projection[], axes: Box, family: string, pt: number): void {
  const entries: Entry[] = artists.flatMap((artist) => (artist.label ? [{ artist, label: artist.label }] : []));
  if (!entries.length) return;
  const f = SIZES.legend * pt;
  const metrics = entries.map((e) => measureLabel(ctx, e.label, family, f));
  const rowHeights = metrics.map((m) => Math.max(m.ascent + m.descent, LEGEND.handleHeight * f));
  const pad = LEGEND.borderPad * f;
  const textX = pad + (LEGEND.handleLength + LEGEND.handleTextPad) * f;
  const w = textX + Math.max(...metrics.map((m) => m.width)) + pad;
  const h = 2 * pad + rowHeights.reduce((a, b) => a + b, 0) + (entries.length - 1) * LEGEND.labelSpacing * f;
  const gap = LEGEND.borderAxesPad * f;
  const [left, centreX, right] = [axes.x + gap, axes.x + (axes.w - w) / 2, axes.x + axes.w - gap - w];
  const [top, centreY, bottom] = [axes.y + gap, axes.y + (axes.h - h) / 2, axes.y + axes.h - gap - h];
  // matplotlib's codes 1 … 10 in order: upper right, upper left, lower left, lower right, right,
  // center left, center right, lower center, upper center, center.
  const candidates: [number, number][] = [[right, top], [left, top], [left, bottom], [right, bottom], [right, centreY], [left, centreY], [right, centreY], [centreX, bottom], [centreX, top], [centreX, centreY]];
  let best = candidates[0];
  let fewest = Infinity;
  for (const [x, y] of candidates) {
    const score = badness({ x, y, w, h }, artists, projections);
    if (score < fewest) [best, fewest] = [[x, y], score];
    if (score === 0) break;
  }
  const [x, y] = best;
  const radius = LEGEND.rounding * f;
  ctx.beginPath();
  ctx.moveTo(x + radius, y);
  ctx.arcTo(x + w, y, x + w, y + h, radius);
  ctx.arcTo(x + w, y + h, x, y + h, radius);
  ctx.arcTo(x, y + h, x, y, radius);
  ctx.arcTo(x, y, x + w, y, radius);
  ctx.closePath();
  ctx.globalAlpha = LEGEND.alpha;
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.strokeStyle = LEGEND.edge;
  ctx.lineWidth = LEGEND.frameWidth * pt;
  ctx.stroke();
  ctx.globalAlpha = 1;
  let rowTop = y + pad;
  entries.forEach((entry, i) => {
    const rh = rowHeights[i];
    const handleH = LEGEND.handleHeight * f;
    drawHandle(ctx, entry.artist, x + pad, rowTop + (rh - handleH) / 2, LEGEND.handleLength * f, handleH, pt);
    ctx.fillStyle = '#000000';
    drawLabel(ctx, entry.label, family, f, x + textX, rowTop + rh / 2, 'left', 'center');
    rowTop += rh + LEGEND.labelSpacing * f;
  });
}
