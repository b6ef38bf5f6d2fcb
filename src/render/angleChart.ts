/** `angle`: the kernel against the angle, one line and min–max band per width, the infinite-width limit over them. */
import { renderChart, type ChartFormat } from './chartCanvas';

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];

export interface AngleChart {
  title: string;
  angles: number[];
  analytic: number[] | null;
  empirical: { width: number; mean: number[]; min: number[]; max: number[] }[];
  seeds: number;
}

function rgba(hex: string, alpha: number): string {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${v >> 16},${(v >> 8) & 255},${v & 255},${alpha})`;
}

export function renderAngleChart(chart: AngleChart, format: ChartFormat): Buffer {
  const points = (ys: number[]) => chart.angles.map((x, i) => ({ x, y: ys[i] }));
  const datasets: object[] = [];
  chart.empirical.forEach((curve, k) => {
    const colour = COLOURS[k % COLOURS.length];
    if (chart.seeds > 1) {
      datasets.push({ label: `width ${curve.width} (high)`, data: points(curve.max), borderWidth: 0, pointRadius: 0, fill: false, backgroundColor: rgba(colour, 0.18) });
      datasets.push({ label: `width ${curve.width} (low)`, data: points(curve.min), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: rgba(colour, 0.18) });
    }
    datasets.push({ label: `width ${curve.width}${chart.seeds > 1 ? `, mean of ${chart.seeds}` : ''}`, data: points(curve.mean), borderColor: colour, backgroundColor: colour, pointRadius: 0, borderWidth: 1.5 });
  });
  if (chart.analytic) datasets.push({ label: 'width ∞ (analytic)', data: points(chart.analytic), borderColor: '#000000', borderDash: [6, 4], pointRadius: 0, borderWidth: 2 });
  const piTicks = (v: string | number) => {
    const k = Math.round((Number(v) / Math.PI) * 4);
    return Math.abs(Number(v) - (k * Math.PI) / 4) < 1e-9 ? ['−π', '−3π/4', '−π/2', '−π/4', '0', 'π/4', 'π/2', '3π/4', 'π'][k + 4] ?? '' : '';
  };
  return renderChart(
    {
      type: 'line',
      data: { datasets },
      options: {
        plugins: {
          title: { display: true, text: chart.title, font: { size: 16, weight: 'normal' } },
          legend: { labels: { filter: (item: { text: string }) => !/\((high|low)\)$/.test(item.text) } },
        },
        scales: {
          x: { type: 'linear', min: -Math.PI, max: Math.PI, title: { display: true, text: 'angle γ between x₀ and x(γ)' }, ticks: { stepSize: Math.PI / 4, callback: piTicks, maxRotation: 0 } },
          y: { type: 'linear', title: { display: true, text: 'Θ(x₀, x(γ))' } },
        },
      },
    },
    format,
  );
}
