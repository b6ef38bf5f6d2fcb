/**
 * Drawing an axes' artists in pixels: lines (round joins, dashes scaled by
 * the line width as matplotlib scales them), round markers, filled bands and
 * horizontal lines, clipped to the axes box; and the small handle each draws
 * in a legend.
 */
import type { CanvasRenderingContext2D } from 'canvas';
import type { Box } from '../layout';
import { DASHES, SIZES, type LineStyle } from './style';
import type { Artist } from './types';

/** Data → pixel maps of one axes. */
export interface Projection {
  x: (v: number) => number;
  y: (v: number) => number;
  box: Box;
  /** Pixels per point. */
  pt: number;
}

function setLine(ctx: CanvasRenderingContext2D, colour: string, widthPt: number, style: LineStyle, pt: number): void {
  ctx.strokeStyle = colour;
  ctx.lineWidth = widthPt * pt;
  ctx.lineJoin = 'round';
  ctx.lineCap = style === 'solid' ? 'square' : 'butt';
  ctx.setLineDash(DASHES[style].map((d) => d * widthPt * pt));
}

function marker(ctx: CanvasRenderingContext2D, x: number, y: number, colour: string, diameterPt: number, pt: number): void {
  ctx.beginPath();
  ctx.arc(x, y, (diameterPt * pt) / 2, 0, 2 * Math.PI);
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.setLineDash([]);
  ctx.strokeStyle = colour;
  ctx.lineWidth = SIZES.markerEdge * pt;
  ctx.stroke();
}

/** Pixel vertices of a polyline, broken where a value cannot be drawn (NaN, or ≤ 0 on a log axis). */
export function polylines(xs: number[], ys: number[], p: Projection): [number, number][][] {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const [px, py] = [p.x(xs[i]), p.y(ys[i])];
    if (Number.isFinite(px) && Number.isFinite(py)) run.push([px, py]);
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

/** Draw the artists in matplotlib's z-order: collections (bands, scatter) under lines. */
export function drawArtists(ctx: CanvasRenderingContext2D, artists: Artist[], p: Projection): void {
  const { box, pt } = p;
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.x, box.y, box.w, box.h);
  ctx.clip();
  const order = (a: Artist) => (a.kind === 'band' || a.kind === 'points' ? 0 : 1);
  for (const artist of [...artists].sort((a, b) => order(a) - order(b))) {
    switch (artist.kind) {
      case 'band': {
        ctx.beginPath();
        const upper = polylines(artist.x, artist.high, p)[0] ?? [];
        const lower = polylines(artist.x, artist.low, p)[0] ?? [];
        [...upper, ...lower.reverse()].forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
        ctx.closePath();
        ctx.globalAlpha = artist.alpha;
        ctx.fillStyle = artist.colour;
        ctx.fill();
        ctx.globalAlpha = 1;
        break;
      }
      case 'points':
        artist.x.forEach((x, i) => {
          const [px, py] = [p.x(x), p.y(artist.y[i])];
          if (Number.isFinite(px) && Number.isFinite(py)) marker(ctx, px, py, artist.colour, artist.size ?? SIZES.marker, pt);
        });
        break;
      case 'line': {
        const width = artist.width ?? SIZES.line;
        const runs = polylines(artist.x, artist.y, p);
        setLine(ctx, artist.colour, width, artist.style ?? 'solid', pt);
        ctx.beginPath();
        for (const run of runs) run.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
        ctx.stroke();
        if (artist.marker) for (const run of runs) for (const [x, y] of run) marker(ctx, x, y, artist.colour, artist.markerSize ?? SIZES.marker, pt);
        break;
      }
      case 'hline': {
        const y = p.y(artist.y);
        if (!Number.isFinite(y)) break;
        setLine(ctx, artist.colour, artist.width ?? SIZES.line, artist.style ?? 'solid', pt);
        ctx.beginPath();
        ctx.moveTo(box.x, y);
        ctx.lineTo(box.x + box.w, y);
        ctx.stroke();
        break;
      }
    }
  }
  ctx.setLineDash([]);
  ctx.restore();
}

/** An artist's legend handle in the box (x, y, w, h): a line segment, a marker, or a patch. */
export function drawHandle(ctx: CanvasRenderingContext2D, artist: Artist, x: number, y: number, w: number, h: number, pt: number): void {
  const middle = y + h / 2;
  if (artist.kind === 'band') {
    ctx.globalAlpha = artist.alpha;
    ctx.fillStyle = artist.colour;
    ctx.fillRect(x, y, w, h);
    ctx.globalAlpha = 1;
    return;
  }
  if (artist.kind === 'points') {
    marker(ctx, x + w / 2, middle, artist.colour, artist.size ?? SIZES.marker, pt);
    return;
  }
  setLine(ctx, artist.colour, artist.width ?? SIZES.line, artist.style ?? 'solid', pt);
  ctx.lineCap = 'butt';
  ctx.beginPath();
  ctx.moveTo(x, middle);
  ctx.lineTo(x + w, middle);
  ctx.stroke();
  ctx.setLineDash([]);
  if (artist.kind === 'line' && artist.marker) marker(ctx, x + w / 2, middle, artist.colour, artist.markerSize ?? SIZES.marker, pt);
}
