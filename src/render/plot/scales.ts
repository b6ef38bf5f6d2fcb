/**
 * An axis's view and ticks as matplotlib computes them: the data limits of its
 * artists widened by 5% on each side in the scale's space (axes.xmargin and
 * ymargin 0.05; only positive values count on a log axis), then the major and
 * minor ticks inside the view with their labels.
 */
import { logLabel, scalarLabels, type Label } from './formatters';
import { autoTicks, logTicks, nonsingular, powerOfTen, ticksInView, withoutMajors } from './locators';
import { SIZES } from './style';
import type { Artist, AxisSpec, Scale } from './types';

export function transformOf(scale: Scale): (v: number) => number {
  return scale === 'log' ? Math.log10 : (v) => v;
}

function inverseOf(scale: Scale): (v: number) => number {
  return scale === 'log' ? (v) => 10 ** v : (v) => v;
}

/** The values an artist puts on one axis. */
function valuesOn(artist: Artist, which: 'x' | 'y'): number[] {
  switch (artist.kind) {
    case 'line':
    case 'points':
      return which === 'x' ? artist.x : artist.y;
    case 'band':
      return which === 'x' ? artist.x : [...artist.low, ...artist.high];
    case 'hline':
      return which === 'x' ? [] : [artist.y];
  }
}

/** The view [lo, hi] of an axis over its artists. */
export function viewOf(spec: AxisSpec, artists: Artist[], which: 'x' | 'y'): [number, number] {
  if (spec.limits) return spec.limits;
  let lo = Infinity;
  let hi = -Infinity;
  for (const artist of artists) {
    for (const v of valuesOn(artist, which)) {
      if (!Number.isFinite(v) || (spec.scale === 'log' && v <= 0)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (spec.scale === 'log') {
    if (!(lo <= hi)) return [1, 10];
    if (lo === hi) [lo, hi] = [powerOfTen(Math.floor(Math.log10(lo))), powerOfTen(Math.ceil(Math.log10(hi)) + (Number.isInteger(Math.log10(hi)) ? 1 : 0))];
  } else {
    if (!(lo <= hi)) return [-0.055, 0.055];
    [lo, hi] = nonsingular(lo, hi, 0.05);
  }
  const t = transformOf(spec.scale);
  const inverse = inverseOf(spec.scale);
  const delta = (t(hi) - t(lo)) * 0.05;
  return [inverse(t(lo) - delta), inverse(t(hi) + delta)];
}

/** Axis.get_tick_space: how many tick labels fit along `lengthPt` (3 label sizes each on x, 2 on y). */
export function tickSpace(lengthPt: number, which: 'x' | 'y'): number {
  return Math.floor(lengthPt / (SIZES.tickLabel * (which === 'x' ? 3 : 2)));
}

export interface Tick {
  value: number;
  label: Label;
}

export interface AxisTicks {
  major: Tick[];
  minor: Tick[];
  /** "1e−5" or an offset, drawn once at the axis end; '' for none. */
  offsetText: string;
}

/** The ticks an axis draws over `view`, `lengthPt` long. */
export function axisTicks(spec: AxisSpec, view: [number, number], lengthPt: number, which: 'x' | 'y'): AxisTicks {
  if (spec.ticks) {
    const { values, labels } = spec.ticks;
    const kept = ticksInView(values, view, transformOf(spec.scale));
    return { major: kept.map((value) => ({ value, label: { text: labels[values.indexOf(value)] } })), minor: [], offsetText: '' };
  }
  const space = tickSpace(lengthPt, which);
  const t = transformOf(spec.scale);
  if (spec.scale === 'linear') {
    const locs = autoTicks(view[0], view[1], Math.min(9, Math.max(1, space)));
    const { labels, offsetText } = scalarLabels(locs, view);
    const major = locs.map((value, i) => ({ value, label: labels[i] }));
    const shown = new Set(ticksInView(locs, view, t));
    return { major: major.filter((tick) => shown.has(tick.value)), minor: [], offsetText };
  }
  const numticks = Math.min(9, Math.max(2, space));
  const majorLocs = logTicks(view[0], view[1], numticks, false);
  const minorLocs = withoutMajors(logTicks(view[0], view[1], numticks, true), majorLocs, view, t);
  const label = (value: number) => ({ value, label: logLabel(value, view) });
  return { major: ticksInView(majorLocs, view, t).map(label), minor: ticksInView(minorLocs, view, t).map(label), offsetText: '' };
}
