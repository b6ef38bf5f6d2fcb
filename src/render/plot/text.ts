/**
 * Text on the canvas as matplotlib lays it out: runs of text, some set as
 * mathtext sets sub- and superscripts (10^{k}, K_w: 0.7 times the size,
 * raised or dropped), in a box as tall as the font's "lp"
 * (Text._get_layout) at least, so labels with and without descenders align
 * alike.
 */
import type { CanvasRenderingContext2D } from 'canvas';
import type { Label } from './formatters';
import { SIZES } from './style';

export type HAlign = 'left' | 'center' | 'right';
export type VAlign = 'top' | 'center' | 'baseline' | 'bottom';

/** A piece of text on the baseline, or set as mathtext sets `_x` and `^x`: 0.7 times the size, dropped or raised. */
export interface Run {
  text: string;
  script?: 'sub' | 'super';
}

/** A tick label (text and exponent), plain text, or runs (an axis label with subscripts). */
export type Text = Label | string | Run[];

export interface TextMetrics {
  width: number;
  /** Above the baseline (of "lp", or the superscript's top if higher). */
  ascent: number;
  /** Below the baseline (of "lp", or the subscript's bottom if lower). */
  descent: number;
}

function font(family: string, px: number): string {
  return `${px}px "${family}"`;
}

/** Runs from text written with mathtext's `_x`: the one character after each `_` is a subscript. */
export function withSubscripts(text: string): Run[] {
  const runs: Run[] = [];
  for (const [i, part] of text.split('_').entries()) {
    const chars = [...part];
    if (i > 0 && chars.length > 0) runs.push({ text: chars.shift()!, script: 'sub' });
    if (chars.length > 0) runs.push({ text: chars.join('') });
  }
  return runs;
}

function runsOf(text: Text): Run[] {
  if (typeof text === 'string') return [{ text }];
  if (Array.isArray(text)) return text;
  return text.superscript ? [{ text: text.text }, { text: text.superscript, script: 'super' }] : [{ text: text.text }];
}

/** How far a run's baseline sits above the text's, in pixels. */
function rise(run: Run, px: number): number {
  return run.script === 'super' ? px * SIZES.superscriptRise : run.script === 'sub' ? -px * SIZES.subscriptDrop : 0;
}

/** A text's size at `px` pixels per em. */
export function measureLabel(ctx: CanvasRenderingContext2D, text: Text, family: string, px: number): TextMetrics {
  ctx.font = font(family, px);
  const lp = ctx.measureText('lp');
  let width = 0;
  let ascent = lp.actualBoundingBoxAscent;
  let descent = lp.actualBoundingBoxDescent;
  for (const run of runsOf(text)) {
    ctx.font = font(family, run.script ? px * SIZES.superscriptScale : px);
    const m = ctx.measureText(run.text);
    width += m.width;
    if (run.script === 'super') ascent = Math.max(ascent, rise(run, px) + m.actualBoundingBoxAscent);
    if (run.script === 'sub') descent = Math.max(descent, -rise(run, px) + m.actualBoundingBoxDescent);
  }
  ctx.font = font(family, px);
  return { width, ascent, descent };
}

/** Draw a text with its box anchored at (x, y) by the alignments; returns its box. */
export function drawLabel(
  ctx: CanvasRenderingContext2D,
  text: Text,
  family: string,
  px: number,
  x: number,
  y: number,
  h: HAlign,
  v: VAlign,
): { x: number; y: number; w: number; h: number } {
  const m = measureLabel(ctx, text, family, px);
  const left = h === 'left' ? x : h === 'center' ? x - m.width / 2 : x - m.width;
  const baseline = v === 'baseline' ? y : v === 'top' ? y + m.ascent : v === 'bottom' ? y - m.descent : y + (m.ascent - m.descent) / 2;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  let at = left;
  for (const run of runsOf(text)) {
    ctx.font = font(family, run.script ? px * SIZES.superscriptScale : px);
    ctx.fillText(run.text, at, baseline - rise(run, px));
    at += ctx.measureText(run.text).width;
  }
  // Left at the text's own size, for whatever is drawn next with it.
  ctx.font = font(family, px);
  return { x: left, y: baseline - m.ascent, w: m.width, h: m.ascent + m.descent };
}

/** Baseline to baseline of a text's lines, in font sizes (matplotlib's linespacing 1.2 on DejaVu Sans: 17.4 px for a 12 pt title at 100 dpi). */
const LINE_STEP = 1.044;

/** A title's lines with their baselines: the last one's at y, the others above it, as matplotlib stacks a title. */
export function titleLines(text: string, px: number, y: number): { line: string; baseline: number }[] {
  const lines = text.split('\n');
  return lines.map((line, i) => ({ line, baseline: y - (lines.length - 1 - i) * LINE_STEP * px }));
}

/** Text turned 90° counter-clockwise (a y-axis label), centred along the axis; `side` says which way its glyphs' tops face. */
export function drawVerticalText(ctx: CanvasRenderingContext2D, text: Text, family: string, px: number, x: number, y: number, side: 'left' | 'right'): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 2);
  drawLabel(ctx, text, family, px, 0, 0, 'center', side === 'left' ? 'bottom' : 'top');
  ctx.restore();
}
