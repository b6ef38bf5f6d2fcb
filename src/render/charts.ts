/**
 * Log-log line charts: a measured quantity against width, with a band over
 * seeds and a fitted power law (`converge`, `drift`).
 */
import type { PowerLawFit } from '../math/fit';
import { renderChart, type ChartFormat } from './chartCanvas';

export type { ChartFormat } from './chartCanvas';

export interface LogLogChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Points: x, the central y, and the band's low and high y. */
  x: number[];
  y: number[];
  low: number[];
  high: number[];
  seriesLabel: string;
  bandLabel: string;
  fit: PowerLawFit;
  /** An optional reference slope drawn through the first point (theory). */
  referenceSlope?: number;
  width?: number;
  height?: number;
}

export function renderLogLogChart(chart: LogLogChart, format: ChartFormat = 'png'): Buffer {
  const points = (ys: number[]) => chart.x.map((x, i) => ({ x, y: ys[i] }));
  const fitted = chart.x.map((x) => ({ x, y: 10 ** chart.fit.intercept * x ** chart.fit.slope }));
  const datasets: object[] = [
    { label: chart.bandLabel, data: points(chart.high), borderWidth: 0, pointRadius: 0, fill: false, backgroundColor: 'rgba(31,119,180,0.18)' },
    { label: `${chart.bandLabel} (low)`, data: points(chart.low), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: 'rgba(31,119,180,0.18)' },
    { label: chart.seriesLabel, data: points(chart.y), borderColor: '#1f77b4', backgroundColor: '#1f77b4', pointRadius: 4, borderWidth: 2 },
    { label: `fit: slope ${chart.fit.slope.toFixed(3)}`, data: fitted, borderColor: '#d62728', borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
  ];
  if (chart.referenceSlope !== undefined) {
    const [x0, y0] = [chart.x[0], chart.y[0]];
    datasets.push({
      label: `theory: slope ${chart.referenceSlope}`,
      data: chart.x.map((x) => ({ x, y: y0 * (x / x0) ** chart.referenceSlope! })),
      borderColor: '#7f7f7f',
      borderDash: [2, 3],
      pointRadius: 0,
      borderWidth: 1,
    });
  }
  const configuration = {
    type: 'line' as const,
    data: { datasets },
    options: {
      responsive: false,
      plugins: {
        title: { display: true, text: chart.title, font: { size: 16, weight: 'normal' as const } },
        legend: { labels: { filter: (item: { text: string }) => !item.text.endsWith('(low)') } },
      },
      scales: {
        x: { type: 'logarithmic' as const, title: { display: true, text: chart.xLabel }, ticks: { maxRotation: 0, callback: (v: string | number) => logTick(Number(v)) } },
        y: { type: 'logarithmic' as const, title: { display: true, text: chart.yLabel }, ticks: { maxRotation: 0, callback: (v: string | number) => logTick(Number(v)) } },
      },
    },
  };
  return renderChart(configuration, format, chart.width ?? 640, chart.height ?? 480);
}

/** Label 1, 2 and 5 times powers of ten; leave the other log-axis ticks unlabelled. */
function logTick(v: number): string {
  const mantissa = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)) return '';
  return Number(v.toPrecision(6)).toString();
}
