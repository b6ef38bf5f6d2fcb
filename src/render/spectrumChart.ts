/**
 * A kernel's spectrum as one chart: the eigenvalues the numbers resolve
 * against their rank on log-log axes (a scree plot), the resolution floor
 * n·ε·λ_max as a dashed line (eigenvalues below it are rounding noise of the
 * kernel's float type, not drawn; the legend counts them), and on a second
 * axis the cumulative fraction of the trace the top eigenvalues hold and,
 * with targets, the cumulative fraction of the targets' energy in the top
 * eigendirections. A target curve above the trace curve is a target the
 * kernel's top directions explain better than their share of the trace.
 */
import type { ImageFormat } from './encode';
import { COLOURS, renderFigure, type Artist, type Figure } from './plot';

export interface SpectrumChart {
  title: string;
  /** Largest first. */
  eigenvalues: ArrayLike<number>;
  trace: number;
  targetEnergy: ArrayLike<number> | null;
  /** Eigenvalues at or below this are not resolved (analysis/spectrum.ts). */
  floor: number;
  /** What the floor is, for the legend: "float32" or "float64". */
  precision: string;
}

export function renderSpectrumChart(chart: SpectrumChart, format: ImageFormat): Buffer {
  return renderFigure(spectrumFigure(chart), format);
}

/** The chart's figure: its one panel's axes and artists. */
export function spectrumFigure(chart: SpectrumChart): Figure {
  const ranks: number[] = [];
  const values: number[] = [];
  const cumulative: number[] = [];
  let running = 0;
  for (let i = 0; i < chart.eigenvalues.length; i++) {
    const v = chart.eigenvalues[i];
    running += v;
    if (!(v > chart.floor)) continue;
    ranks.push(i + 1);
    values.push(v);
    cumulative.push(chart.trace === 0 ? 0 : running / chart.trace);
  }
  // What a log axis cannot show is said in the legend: negative eigenvalues beyond the rounding (an
  // indefinite matrix), and those within it (below the floor; zero ones where there is no floor).
  let negative = 0;
  for (let i = 0; i < chart.eigenvalues.length; i++) if (chart.eigenvalues[i] < -chart.floor) negative++;
  const small = chart.eigenvalues.length - values.length - negative;
  const notDrawn = [negative ? `${negative} negative` : '', small && !(chart.floor > 0) ? `${small} zero` : ''].filter(Boolean).join(', ');
  const artists: Artist[] = [
    { kind: 'line', x: ranks, y: values, colour: COLOURS[0], marker: true, markerSize: values.length > 60 ? 3 : 5, label: `eigenvalue${notDrawn ? ` (${notDrawn}: not drawn)` : ''}` },
  ];
  if (chart.floor > 0) {
    const floorLabel = `${chart.precision} resolution n·ε·λ_max${small ? ` (${small} below, not drawn)` : ''}`;
    artists.push({ kind: 'hline', y: chart.floor, colour: COLOURS[7], style: 'dashed', width: 1, label: floorLabel });
  }
  const fractions: Artist[] = [{ kind: 'line', x: ranks, y: cumulative, colour: COLOURS[7], style: 'dotted', label: 'cumulative fraction of the trace' }];
  // An indefinite matrix's running sum can pass its trace, or fall below 0: the axis takes what there is.
  const fractionLimits: [number, number] = [cumulative.reduce((a, b) => Math.min(a, b), 0), cumulative.reduce((a, b) => Math.max(a, b), 1) * 1.05];
  if (chart.targetEnergy) {
    const energy = ranks.map((r) => chart.targetEnergy![r - 1]);
    fractions.push({ kind: 'line', x: ranks, y: energy, colour: COLOURS[3], label: "cumulative fraction of the targets' energy" });
  }
  return {
    panels: [
      {
        title: chart.title,
        x: { scale: 'log', label: 'rank' },
        y: { scale: 'log', label: 'eigenvalue' },
        artists,
        right: { axis: { scale: 'linear', label: 'cumulative fraction', limits: fractionLimits }, artists: fractions },
      },
    ],
  };
}
