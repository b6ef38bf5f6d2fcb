/**
 * A quantity against width on log-log axes, as `converge` and `drift` draw
 * it: the geometric mean over seeds with markers, the range over seeds as a
 * band, the fitted power law, and theory's slope through the first point.
 */
import type { PowerLawFit } from '../math/fit';
import { COLOURS, type Artist, type Panel } from './plot';
import { withSubscripts } from './plot/text';

export interface SweepChart {
  title: string;
  xLabel: string;
  /** With mathtext's `_x`: the character after a `_` is a subscript (K_w). */
  yLabel: string;
  /** Points: x, the central y, and the band's low and high y. */
  x: number[];
  y: number[];
  low: number[];
  high: number[];
  seriesLabel: string;
  bandLabel: string;
  fit: PowerLawFit;
  /** A reference slope drawn through the first point (theory). */
  referenceSlope?: number;
}

export function sweepPanel(chart: SweepChart): Panel {
  const fitted = chart.x.map((x) => 10 ** chart.fit.intercept * x ** chart.fit.slope);
  const artists: Artist[] = [
    { kind: 'band', x: chart.x, low: chart.low, high: chart.high, colour: COLOURS[0], alpha: 0.2, label: chart.bandLabel },
    { kind: 'line', x: chart.x, y: chart.y, colour: COLOURS[0], marker: true, label: chart.seriesLabel },
  ];
  // A power law is fitted on the logs of positive values; where there are none (nothing changed), there is no fit to draw.
  if (Number.isFinite(chart.fit.slope)) {
    artists.push({ kind: 'line', x: chart.x, y: fitted, colour: COLOURS[3], style: 'dashed', width: 1.5, label: `fit: slope ${chart.fit.slope.toFixed(3).replace('-', '\u2212')}` });
  }
  if (chart.referenceSlope !== undefined && chart.y[0]! > 0) {
    const [x0, y0] = [chart.x[0], chart.y[0]];
    artists.push({ kind: 'line', x: chart.x, y: chart.x.map((x) => y0 * (x / x0) ** chart.referenceSlope!), colour: COLOURS[7], style: 'dotted', width: 1.5, label: `theory: slope ${String(chart.referenceSlope).replace('-', '\u2212')}` });
  }
  return { title: chart.title, x: { scale: 'log', label: chart.xLabel }, y: { scale: 'log', label: withSubscripts(chart.yLabel) }, artists };
}
