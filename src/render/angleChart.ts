/** `angle`: the kernel against the angle, one line and min–max band per width, the infinite-width limit over them. */
import type { ImageFormat } from './encode';
import { COLOURS, renderFigure, type Artist } from './plot';

export interface AngleChart {
  title: string;
  angles: number[];
  analytic: number[] | null;
  empirical: { width: number; mean: number[]; min: number[]; max: number[] }[];
  seeds: number;
}

/** Ticks at multiples of π/4 from −π to π. */
const PI_TICKS = {
  values: [-4, -3, -2, -1, 0, 1, 2, 3, 4].map((k) => (k * Math.PI) / 4),
  labels: ['−π', '−3π/4', '−π/2', '−π/4', '0', 'π/4', 'π/2', '3π/4', 'π'],
};

export function renderAngleChart(chart: AngleChart, format: ImageFormat): Buffer {
  const artists: Artist[] = [];
  chart.empirical.forEach((curve, k) => {
    const colour = COLOURS[k % COLOURS.length];
    if (chart.seeds > 1) artists.push({ kind: 'band', x: chart.angles, low: curve.min, high: curve.max, colour, alpha: 0.2 });
    artists.push({ kind: 'line', x: chart.angles, y: curve.mean, colour, label: `width ${curve.width}${chart.seeds > 1 ? `, mean of ${chart.seeds}` : ''}` });
  });
  if (chart.analytic) artists.push({ kind: 'line', x: chart.angles, y: chart.analytic, colour: '#000000', style: 'dashed', width: 2, label: 'width ∞ (analytic)' });
  return renderFigure(
    {
      panels: [
        {
          title: chart.title,
          x: { scale: 'linear', label: 'angle γ between x₀ and x(γ)', limits: [-Math.PI, Math.PI], ticks: PI_TICKS },
          y: { scale: 'linear', label: 'Θ(x₀, x(γ))' },
          artists,
        },
      ],
    },
    format,
  );
}
