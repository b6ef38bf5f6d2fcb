/**
 * Text on the canvas as matplotlib lays it out: a label is its text and an
 * optional superscript (mathtext's 10^{k}: 0.7 times the size, raised), and
 * its box is as tall as the font's "lp" (Text._get_layout), so labels with
 * and without descenders align alike.
 */
import type { CanvasRenderingContext2D } from 'canvas';
import type { Label } from './formatters';
import { SIZES } from './style';

export type HAlign = 'left' | 'center' | 'right';
export type VAlign = 'top' | 'center' | 'baseline' | 'bottom';

export interface TextMetrics {
  width: number;
  /** Above the baseline (of "lp", or the superscript's top if higher). */
  ascent: number;
  descent: number;
}

function font(family: string, px: number): string {
  return `${px}px "${family}"`;
}

/** A label's size at `px` pixels per em. */
export function measureLabel(ctx: CanvasRenderingContext2D, label: Label | string, family: string, px: number): TextMetrics {
  const { text, superscript } = typeof label === 'string' ? { text: label, superscript: undefined } : label;
  ctx.font = font(family, px);
  const lp = ctx.measureText('lp');
  let width = ctx.measureText(text).width;
  let ascent = lp.actualBoundingBoxAscent;
  if (superscript) {
    ctx.font = font(family, px * SIZES.superscriptScale);
    const sup = ctx.measureText(superscript);
    width += sup.width;
    ascent = Math.max(ascent, px * SIZES.superscriptRise + sup.actualBoundingBoxAscent);
  }
  return { width, ascent, descent: lp.actualBoundingBoxDescent };
}

/** Draw a label with its box anchored at (x, y) by the alignments; returns its box. */
export function drawLabel(
  ctx: CanvasRenderingContext2D,
  label: Label | string,
  family: string,
  px: number,
  x: number,
  y: number,
  h: HAlign,
  v: VAlign,
): { x: number; y: number; w: number; h: number } {
  const { text, superscript } = typeof label === 'string' ? { text: label, superscript: undefined } : label;
  const m = measureLabel(ctx, label, family, px);
  const left = h === 'left' ? x : h === 'center' ? x - m.width / 2 : x - m.width;
  const baseline = v === 'baseline' ? y : v === 'top' ? y + m.ascent : v === 'bottom' ? y - m.descent : y + (m.ascent - m.descent) / 2;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.font = font(family, px);
  ctx.fillText(text, left, baseline);
  if (superscript) {
    const at = left + ctx.measureText(text).width;
    ctx.font = font(family, px * SIZES.superscriptScale);
    ctx.fillText(superscript, at, baseline - px * SIZES.superscriptRise);
  }
  return { x: left, y: baseline - m.ascent, w: m.width, h: m.ascent + m.descent };
}

/** Text turned 90° counter-clockwise (a y-axis label), centred along the axis; `side` says which way its glyphs' tops face. */
export function drawVerticalText(ctx: CanvasRenderingContext2D, text: string, family: string, px: number, x: number, y: number, side: 'left' | 'right'): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 2);
  drawLabel(ctx, text, family, px, 0, 0, 'center', side === 'left' ? 'bottom' : 'top');
  ctx.restore();
}
