/**
 * Groups of consecutive rows and columns of a heatmap — the outputs of one
 * sample in a kernel over outputs, the samples of one class when sorted by
 * label — marked by thin lines between them and, where their names fit, by
 * labels at their centres in place of the numeric ticks.
 */
import type { CanvasRenderingContext2D } from 'canvas';
import type { Box } from './layout';

export interface Groups {
  /** The first index of each group after the first (ascending, inside (0, count)). */
  boundaries: number[];
  /** One name per group, or none. */
  names?: string[];
}

/** Thinner than this (in pixels) a group's lines would cover its cells: none are drawn. */
const MIN_GROUP_PIXELS = 4;

function smallestGroup(boundaries: number[], count: number): number {
  const edges = [0, ...boundaries, count];
  let smallest = Infinity;
  for (let k = 0; k + 1 < edges.length; k++) smallest = Math.min(smallest, edges[k + 1] - edges[k]);
  return smallest;
}

/** Lines between the groups, where each group spans at least a few pixels. */
export function drawGroupLines(ctx: CanvasRenderingContext2D, image: Box, rows: number, cols: number, groups: { rows?: Groups; cols?: Groups }, pt: number): void {
  ctx.save();
  ctx.strokeStyle = 'rgba(128, 128, 128, 0.9)';
  ctx.lineWidth = Math.max(1, 0.5 * pt);
  ctx.beginPath();
  if (groups.cols && smallestGroup(groups.cols.boundaries, cols) * (image.w / cols) >= MIN_GROUP_PIXELS) {
    for (const c of groups.cols.boundaries) {
      const x = Math.round(image.x + (c / cols) * image.w) + 0.5;
      ctx.moveTo(x, image.y);
      ctx.lineTo(x, image.y + image.h);
    }
  }
  if (groups.rows && smallestGroup(groups.rows.boundaries, rows) * (image.h / rows) >= MIN_GROUP_PIXELS) {
    for (const r of groups.rows.boundaries) {
      const y = Math.round(image.y + (r / rows) * image.h) + 0.5;
      ctx.moveTo(image.x, y);
      ctx.lineTo(image.x + image.w, y);
    }
  }
  ctx.stroke();
  ctx.restore();
}

/** The centres of the groups (in cell units) with their names, when every name fits in its group's span. */
export function groupTicks(groups: Groups | undefined, count: number, pixels: number, measure: (text: string) => number, horizontal: boolean, lineHeight: number): { positions: number[]; labels: string[] } | null {
  if (!groups?.names) return null;
  const edges = [0, ...groups.boundaries, count];
  const positions: number[] = [];
  for (let k = 0; k + 1 < edges.length; k++) positions.push((edges[k] + edges[k + 1]) / 2 - 0.5);
  for (let k = 0; k + 1 < edges.length; k++) {
    const span = ((edges[k + 1] - edges[k]) / count) * pixels;
    const need = horizontal ? measure(groups.names[k]) + 4 : lineHeight;
    if (need > span) return null;
  }
  return { positions, labels: groups.names };
}
