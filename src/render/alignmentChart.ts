/** `drift` with labels: the kernel's centred alignment with the labels against the training step, one line per width. */
import { renderChart, type ChartFormat } from './chartCanvas';

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];

export function renderAlignmentChart(curves: { width: number; steps: number[]; mean: number[] }[], seeds: number, format: ChartFormat): Buffer {
  const datasets = curves.map((curve, k) => ({
    label: `width ${curve.width}${seeds > 1 ? `, mean of ${seeds}` : ''}`,
    data: curve.steps.map((x, i) => ({ x, y: curve.mean[i] })),
    borderColor: COLOURS[k % COLOURS.length],
    backgroundColor: COLOURS[k % COLOURS.length],
    pointRadius: 2,
    borderWidth: 1.5,
  }));
  return renderChart(
    {
      type: 'line',
      data: { datasets },
      options: {
        plugins: { title: { display: true, text: 'kernel–label alignment during training', font: { size: 16, weight: 'normal' } } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'gradient-descent step' } },
          y: { type: 'linear', title: { display: true, text: 'centred alignment with the labels' } },
        },
      },
    },
    format,
  );
}
