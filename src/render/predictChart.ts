/**
 * `predict --chart`: on the left the predictions, on the right the train and
 * test losses against time on log-log axes (the closed form as lines, a
 * trained network's losses, when there is one, as points).
 *
 * The left panel draws the prediction along the test points: against their
 * coordinate when they lie on a line or a circle (1-D inputs, a grid,
 * `circle:N`), with the training points, the test targets and the GP's ±2σ
 * band where there are some; otherwise against the true targets when there
 * are test targets, or by the test point's index when there are none.
 */
import type { ImageFormat } from './encode';
import { COLOURS, renderFigure, type Artist, type Figure, type Panel } from './plot';

export interface PredictChart {
  title: string;
  /** The coordinate the test (and training) points lie along, or null. */
  along: { label: string; test: number[]; train: number[] } | null;
  /** First output only. */
  predicted: number[];
  testTargets: number[] | null;
  trainTargets: number[];
  /** GP standard deviation at each test point, or null. */
  std: number[] | null;
  /** The trained network's outputs on the test points, or null. */
  networkTest: number[] | null;
  curves: { times: number[]; train: number[]; test: number[] | null };
  network: { times: number[]; train: number[]; test: number[] | null } | null;
}

const [BLUE, ORANGE, GREY] = [COLOURS[0], COLOURS[1], COLOURS[7]];

function predictionPanel(chart: PredictChart): Panel {
  const artists: Artist[] = [];
  const { along, predicted, std, networkTest } = chart;
  if (along || !chart.testTargets) {
    // Along a coordinate (sorted so the lines run left to right), or by index.
    const x = along ? along.test : predicted.map((_, i) => i);
    const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
    const xs = order.map((i) => x[i]);
    const pick = (ys: number[]) => order.map((i) => ys[i]);
    if (std) artists.push({ kind: 'band', x: xs, low: pick(predicted.map((p, i) => p - 2 * std[i])), high: pick(predicted.map((p, i) => p + 2 * std[i])), colour: BLUE, alpha: 0.2, label: '±2σ (NNGP)' });
    if (chart.testTargets) artists.push({ kind: 'line', x: xs, y: pick(chart.testTargets), colour: GREY, style: 'dashed', label: 'test targets' });
    artists.push({ kind: 'line', x: xs, y: pick(predicted), colour: BLUE, marker: !along, markerSize: 3, label: 'prediction' });
    if (networkTest) artists.push({ kind: 'line', x: xs, y: pick(networkTest), colour: ORANGE, style: 'dashed', label: 'trained network' });
    if (along) artists.push({ kind: 'points', x: along.train, y: chart.trainTargets, colour: ORANGE, size: 5, label: 'training points' });
    return { title: chart.title, x: { scale: 'linear', label: along ? along.label : 'test point' }, y: { scale: 'linear', label: 'f(x)' }, artists };
  }
  const truth = chart.testTargets;
  const lo = Math.min(...truth, ...predicted);
  const hi = Math.max(...truth, ...predicted);
  artists.push({ kind: 'line', x: [lo, hi], y: [lo, hi], colour: GREY, style: 'dashed', width: 1, label: 'prediction = target' });
  artists.push({ kind: 'points', x: truth, y: predicted, colour: BLUE, size: 4, label: 'prediction' });
  if (networkTest) artists.push({ kind: 'points', x: truth, y: networkTest, colour: ORANGE, size: 4, label: 'trained network' });
  return { title: chart.title, x: { scale: 'linear', label: 'true target' }, y: { scale: 'linear', label: 'predicted' }, artists };
}

function lossPanel(chart: PredictChart): Panel {
  const positive = (times: number[], values: number[]) => {
    const kept = times.map((t, i) => [t, values[i]]).filter(([t, v]) => t > 0 && v > 0);
    return { x: kept.map(([t]) => t), y: kept.map(([, v]) => v) };
  };
  const artists: Artist[] = [{ kind: 'line', ...positive(chart.curves.times, chart.curves.train), colour: BLUE, label: 'train loss (kernel)' }];
  if (chart.curves.test) artists.push({ kind: 'line', ...positive(chart.curves.times, chart.curves.test), colour: ORANGE, label: 'test loss (kernel)' });
  if (chart.network) {
    artists.push({ kind: 'points', ...positive(chart.network.times, chart.network.train), colour: BLUE, size: 5, label: 'train loss (network)' });
    if (chart.network.test) artists.push({ kind: 'points', ...positive(chart.network.times, chart.network.test), colour: ORANGE, size: 5, label: 'test loss (network)' });
  }
  return { title: 'loss against training time', x: { scale: 'log', label: 'steps of gradient descent (t)' }, y: { scale: 'log', label: '½ · mean squared error' }, artists };
}

/** The chart as data: the prediction panel and the loss panel. */
export function predictFigure(chart: PredictChart): Figure {
  return { panels: [predictionPanel(chart), lossPanel(chart)] };
}

export function renderPredictChart(chart: PredictChart, format: ImageFormat): Buffer {
  return renderFigure(predictFigure(chart), format);
}
