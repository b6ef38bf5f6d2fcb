/**
 * A kernel's spectrum as one chart: the eigenvalues against their rank on
 * log-log axes (a scree plot; non-positive ones cannot be drawn there and are
 * named in the legend), and on a second axis from 0 to 1 the cumulative
 * fraction of the trace the top eigenvalues hold and, with targets, the
 * cumulative fraction of the targets' energy in the top eigendirections; a
 * target curve above the trace curve is a target the kernel's top directions
 * explain better than their share of the trace.
 */
import { renderChart, type ChartFormat } from './chartCanvas';

export interface SpectrumChart {
  title: string;
  /** Largest first. */
  eigenvalues: ArrayLike<number>;
  trace: number;
  targetEnergy: ArrayLike<number> | null;
}

export function renderSpectrumChart(chart: SpectrumChart, format: ChartFormat): Buffer {
  const points: { x: number; y: number }[] = [];
  const cumulative: { x: number; y: number }[] = [];
  let running = 0;
  let nonPositive = 0;
  for (let i = 0; i < chart.eigenvalues.length; i++) {
    const v = chart.eigenvalues[i];
    running += v;
    cumulative.push({ x: i + 1, y: chart.trace === 0 ? 0 : running / chart.trace });
    if (v > 0) points.push({ x: i + 1, y: v });
    else nonPositive++;
  }
  const datasets: object[] = [
    { label: `eigenvalue${nonPositive ? ` (${nonPositive} ≤ 0 not shown)` : ''}`, data: points, yAxisID: 'y', borderColor: '#1f77b4', backgroundColor: '#1f77b4', pointRadius: points.length > 200 ? 0 : 2, borderWidth: 1.5 },
    { label: 'cumulative fraction of the trace', data: cumulative, yAxisID: 'fraction', borderColor: '#7f7f7f', borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
  ];
  if (chart.targetEnergy) {
    const energy = Array.from(chart.targetEnergy, (y, i) => ({ x: i + 1, y }));
    datasets.push({ label: "cumulative fraction of the targets' energy", data: energy, yAxisID: 'fraction', borderColor: '#d62728', pointRadius: 0, borderWidth: 2 });
  }
  const tick = (v: string | number) => {
    const value = Number(v);
    const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
    return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? Number(value.toPrecision(6)).toString() : '';
  };
  return renderChart(
    {
      type: 'line',
      data: { datasets },
      options: {
        plugins: { title: { display: true, text: chart.title, font: { size: 16, weight: 'normal' } } },
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'rank' }, ticks: { maxRotation: 0, callback: tick } },
          y: { type: 'logarithmic', position: 'left', title: { display: true, text: 'eigenvalue' }, ticks: { callback: tick } },
          fraction: { type: 'linear', position: 'right', min: 0, max: 1, title: { display: true, text: 'cumulative fraction' }, grid: { drawOnChartArea: false } },
        },
      },
    },
    format,
  );
}
