/**
 * `predict --chart`: on the left the predictions — over x for 1-D inputs,
 * with the targets, the training points and, for the GP, a ±2σ band; against
 * the true targets otherwise — and on the right the train and test losses
 * against time on log-log axes, the closed form as lines and a trained
 * network's losses, when there is one, as points.
 */
import { renderChart, type ChartFormat } from './chartCanvas';
import { sideBySide } from './panels';

export interface PredictChart {
  title: string;
  /** 1-D inputs: the test x and the training x; otherwise null. */
  testX: number[] | null;
  trainX: number[] | null;
  /** First output only. */
  predicted: number[];
  testTargets: number[] | null;
  trainTargets: number[];
  /** GP standard deviation at each test point, or null. */
  std: number[] | null;
  curves: { times: number[]; train: number[]; test: number[] | null };
  network: { times: number[]; train: number[]; test: number[] | null } | null;
}

const BLUE = '#1f77b4';
const ORANGE = '#ff7f0e';
const GREY = '#7f7f7f';

function predictionPanel(chart: PredictChart, format: ChartFormat): Buffer {
  const datasets: object[] = [];
  let scales: Record<string, unknown>;
  if (chart.testX && chart.trainX) {
    const order = chart.testX.map((_, i) => i).sort((a, b) => chart.testX![a] - chart.testX![b]);
    const line = (ys: number[]) => order.map((i) => ({ x: chart.testX![i], y: ys[i] }));
    if (chart.std) {
      const std = chart.std;
      datasets.push({ label: '±2σ', data: line(chart.predicted.map((p, i) => p + 2 * std[i])), borderWidth: 0, pointRadius: 0, fill: false, backgroundColor: 'rgba(31,119,180,0.18)' });
      datasets.push({ label: '±2σ (low)', data: line(chart.predicted.map((p, i) => p - 2 * std[i])), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: 'rgba(31,119,180,0.18)' });
    }
    if (chart.testTargets) datasets.push({ label: 'test targets', data: line(chart.testTargets), borderColor: GREY, borderDash: [4, 3], pointRadius: 0, borderWidth: 1.5 });
    datasets.push({ label: 'prediction', data: line(chart.predicted), borderColor: BLUE, backgroundColor: BLUE, pointRadius: 0, borderWidth: 2 });
    datasets.push({ label: 'training points', data: chart.trainX.map((x, i) => ({ x, y: chart.trainTargets[i] })), showLine: false, borderColor: ORANGE, backgroundColor: ORANGE, pointRadius: 4 });
    scales = { x: { type: 'linear', title: { display: true, text: 'x' } }, y: { type: 'linear', title: { display: true, text: 'f(x)' } } };
  } else {
    const truth = chart.testTargets ?? [];
    const points = truth.map((t, i) => ({ x: t, y: chart.predicted[i] }));
    const lo = Math.min(...truth, ...chart.predicted);
    const hi = Math.max(...truth, ...chart.predicted);
    datasets.push({ label: 'test points', data: points, showLine: false, borderColor: BLUE, backgroundColor: BLUE, pointRadius: 3 });
    datasets.push({ label: 'prediction = target', data: [{ x: lo, y: lo }, { x: hi, y: hi }], borderColor: GREY, borderDash: [4, 3], pointRadius: 0, borderWidth: 1 });
    scales = { x: { type: 'linear', title: { display: true, text: 'true target' } }, y: { type: 'linear', title: { display: true, text: 'predicted' } } };
  }
  return renderChart(
    {
      type: 'line',
      data: { datasets },
      options: {
        plugins: { title: { display: true, text: chart.title, font: { size: 16, weight: 'normal' } }, legend: { labels: { filter: (item: { text: string }) => !item.text.endsWith('(low)') } } },
        scales,
      },
    },
    format,
  );
}

function lossPanel(chart: PredictChart, format: ChartFormat): Buffer {
  const positive = (times: number[], values: number[]) => times.map((t, i) => ({ x: t, y: values[i] })).filter((p) => p.x > 0 && p.y > 0);
  const datasets: object[] = [{ label: 'train loss (kernel)', data: positive(chart.curves.times, chart.curves.train), borderColor: BLUE, pointRadius: 0, borderWidth: 2 }];
  if (chart.curves.test) datasets.push({ label: 'test loss (kernel)', data: positive(chart.curves.times, chart.curves.test), borderColor: ORANGE, pointRadius: 0, borderWidth: 2 });
  if (chart.network) {
    datasets.push({ label: 'train loss (network)', data: positive(chart.network.times, chart.network.train), showLine: false, borderColor: BLUE, backgroundColor: BLUE, pointRadius: 3 });
    if (chart.network.test) datasets.push({ label: 'test loss (network)', data: positive(chart.network.times, chart.network.test), showLine: false, borderColor: ORANGE, backgroundColor: ORANGE, pointRadius: 3 });
  }
  return renderChart(
    {
      type: 'line',
      data: { datasets },
      options: {
        plugins: { title: { display: true, text: 'loss against training time', font: { size: 16, weight: 'normal' } } },
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'steps of gradient descent (t)' } },
          y: { type: 'logarithmic', title: { display: true, text: '½ · mean squared error' } },
        },
      },
    },
    format,
  );
}

export function renderPredictChart(chart: PredictChart, format: ChartFormat): Buffer {
  return sideBySide([predictionPanel(chart, format), lossPanel(chart, format)], 640, 480, format);
}
