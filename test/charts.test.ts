/**
 * Charts: what each one draws (read back from the chart's data or its
 * decoded pixels), the spectrum's resolution floor, the prediction chart's
 * three layouts, labels that never overlap, and every chart format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { inputCoordinate } from '../src/analysis/inputCoordinate';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { createCanvas } from 'canvas';
import { fittingLabels, renderFigure } from '../src/render/plot/figure';
import { drawLabel, measureLabel, withSubscripts } from '../src/render/plot/text';
import { ensureFont } from '../src/render/fonts';
import { axisTicks } from '../src/render/plot/scales';
import { predictFigure, type PredictChart } from '../src/render/predictChart';
import type { Samples } from '../src/types';
import { FIXTURES, runCli, tempDir } from './helpers';

const dir = tempDir();
const SPECTRA = path.join(FIXTURES, 'spectrum');

function samples(rows: number[][]): Samples {
  return { values: Float32Array.from(rows.flat()), count: rows.length, dim: rows[0].length };
}

/** Pixels of one exact colour in a PNG. */
function countColour(file: string, [r, g, b]: number[]): number {
  const png = PNG.sync.read(fs.readFileSync(file));
  let count = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) count++;
  return count;
}

test('the coordinate test points lie along: 1-D values, the one varying column, the angle on a circle, or none', () => {
  const line = inputCoordinate(samples([[0], [1], [2]]), samples([[0.5]]));
  assert.deepEqual(line, { label: 'x', test: [0, 1, 2], train: [0.5] });
  const grid = inputCoordinate(samples([[1, 0, 7], [1, 2, 7], [1, 4, 7]]), samples([[1, 3, 7]]));
  assert.deepEqual(grid, { label: 'x₁', test: [0, 2, 4], train: [3] });
  const circle = Array.from({ length: 8 }, (_, k) => [Math.cos((2 * Math.PI * k) / 8), Math.sin((2 * Math.PI * k) / 8), 0]);
  const onCircle = inputCoordinate(samples(circle), samples([[0, 1, 0]]));
  assert.equal(onCircle?.label, 'angle of (x₀, x₁)');
  onCircle!.test.forEach((a, k) => assert.ok(Math.abs(Math.cos(a) - circle[k][0]) < 1e-6 && Math.abs(Math.sin(a) - circle[k][1]) < 1e-6));
  assert.ok(Math.abs(onCircle!.train[0] - Math.PI / 2) < 1e-6);
  assert.equal(inputCoordinate(samples([[0, 0], [1, 2], [3, 1]]), samples([[0, 1]])), null, 'scattered in the plane');
});

function chart(overrides: Partial<PredictChart>): PredictChart {
  return {
    title: 't',
    along: null,
    predicted: [1, 2, 3],
    testTargets: null,
    trainTargets: [0.5],
    std: null,
    networkTest: null,
    curves: { times: [0, 1, 10], train: [1, 0.5, 0.1], test: null },
    network: null,
    ...overrides,
  };
}

test('the prediction panel: along the coordinate with the training points and the band; true against predicted; by index without targets', () => {
  const along = predictFigure(chart({ along: { label: 'x', test: [2, 0, 1], train: [0.5] }, std: [0.1, 0.1, 0.1], testTargets: [1, 1, 1] })).panels[0];
  assert.equal(along.x.label, 'x');
  const prediction = along.artists.find((a) => a.label === 'prediction');
  assert.ok(prediction && prediction.kind === 'line');
  assert.deepEqual(prediction.x, [0, 1, 2], 'sorted along x');
  assert.deepEqual(prediction.y, [2, 3, 1]);
  assert.ok(along.artists.some((a) => a.kind === 'points' && a.label === 'training points'));
  assert.ok(along.artists.some((a) => a.kind === 'band' && a.label === '±2σ (NNGP)'));
  assert.ok(along.artists.some((a) => a.label === 'test targets'));

  const truth = predictFigure(chart({ testTargets: [1, 2, 2.5], networkTest: [1.1, 2, 2.4] })).panels[0];
  assert.equal(truth.x.label, 'true target');
  const points = truth.artists.filter((a) => a.kind === 'points');
  assert.deepEqual(points.map((a) => a.label), ['prediction', 'trained network']);

  const byIndex = predictFigure(chart({ networkTest: [1, 2, 3], std: [1, 1, 1] })).panels[0];
  assert.equal(byIndex.x.label, 'test point');
  assert.deepEqual(byIndex.artists.map((a) => a.label), ['±2σ (NNGP)', 'prediction', 'trained network']);
});

test('tick labels never overlap: on a short axis the minor labels go first, then every other major label', () => {
  const view: [number, number] = [0.2, 0.9];
  const ticks = axisTicks({ scale: 'log' }, view, 400, 'x');
  assert.ok(ticks.minor.filter((t) => t.label.text).length >= 3, 'a sub-decade view labels its minor ticks');
  const width = 45; // "2×10⁻¹" at 10 pt is about this wide
  const position = (length: number) => (v: number) => ((Math.log10(v) - Math.log10(view[0])) / (Math.log10(view[1]) - Math.log10(view[0]))) * length;
  const roomy = fittingLabels(ticks, position(560), () => width);
  assert.equal(roomy.length, ticks.minor.filter((t) => t.label.text).length + ticks.major.filter((t) => t.label.text).length);
  const cramped = fittingLabels(ticks, position(120), () => width);
  const placed = cramped.map((t) => position(120)(t.value)).sort((a, b) => a - b);
  placed.forEach((p, i) => i === 0 || assert.ok(p - placed[i - 1] >= width, `labels at ${placed.join(', ')}`));
  const linear = axisTicks({ scale: 'linear' }, [0, 1e6], 60, 'x');
  const kept = fittingLabels(linear, (v) => (v / 1e6) * 60, () => 40);
  assert.ok(kept.length >= 2 && kept.length < linear.major.length, `${kept.length} of ${linear.major.length}`);
});

test('spectrum: eigenvalues below the resolution floor n·ε·λ_max are counted, not drawn, and noise under the floor leaves the picture alone', () => {
  // A rank-3 kernel: three eigenvalues, the rest exact zeros, stored in float32.
  const n = 40;
  const vectors = [0, 1, 2].map((k) => Array.from({ length: n }, (_, i) => Math.cos(((k + 1) * Math.PI * (i + 0.5)) / n) * Math.sqrt(2 / n)));
  const values = [50, 7, 0.9];
  const kernel = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) kernel[i * n + j] = values.reduce((s, l, k) => s + l * vectors[k][i] * vectors[k][j], 0);
  const floor = n * 2 ** -23 * 50;
  // The same kernel with symmetric noise a tenth of the floor: only eigenvalues under the floor move beyond it.
  let state = 1;
  const noisy = Float32Array.from(kernel);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      state = (state * 48271) % 2147483647;
      const e = ((state / 2147483647 - 0.5) * floor) / (10 * n);
      noisy[i * n + j] += e;
      if (i !== j) noisy[j * n + i] += e;
    }
  }
  const run = (matrix: Float32Array, name: string) => {
    const file = path.join(dir, `${name}.npy`);
    fs.writeFileSync(file, encodeNpy(matrix, [n, n]));
    const out = path.join(dir, `${name}.png`);
    const result = runCli(['spectrum', file, '--out', out, '--json']);
    assert.equal(result.status, 0, result.stderr);
    return { report: JSON.parse(result.stdout), png: fs.readFileSync(out) };
  };
  const clean = run(kernel, 'rank3');
  const shaken = run(noisy, 'rank3-noisy');
  assert.equal(clean.report.precision, 'float32');
  assert.ok(Math.abs(clean.report.resolution_floor - floor) <= 1e-6 * floor);
  assert.equal(clean.report.numerical_rank, 3);
  assert.equal(shaken.report.numerical_rank, 3);
  assert.equal(clean.report.eigenvalues.length, n, 'the JSON keeps every eigenvalue');
  assert.ok(shaken.report.eigenvalues.slice(3).some((v: number) => v !== 0), 'the noise moved the eigenvalues under the floor');
  const [a, b] = [PNG.sync.read(clean.png), PNG.sync.read(shaken.png)];
  let changed = 0;
  for (let i = 0; i < a.data.length; i += 4) if (a.data.readUInt32BE(i) !== b.data.readUInt32BE(i)) changed++;
  assert.equal(changed, 0, `${changed} pixels changed`);
  // Three markers of the eigenvalue colour, and the floor's dashed grey line.
  assert.ok(countColour(path.join(dir, 'rank3.png'), [0x1f, 0x77, 0xb4]) > 30);
  assert.ok(countColour(path.join(dir, 'rank3.png'), [0x7f, 0x7f, 0x7f]) > 100);
});

test('spectrum: a float64 kernel has the float64 floor; the summary names the numerical rank', () => {
  const file = path.join(dir, 'known64.npy');
  const known = parseNpy(fs.readFileSync(path.join(SPECTRA, 'known.npy')));
  fs.writeFileSync(file, encodeNpy(Float64Array.from(known.data, (v) => v + 1e-12), known.shape, 'float64'));
  const run = runCli(['spectrum', file, '--out', path.join(dir, 'k64.png')]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /numerical rank \d+ \(float64 floor [\d.e-]+\)/);
});

test("wide tick labels move the axes in: no label is cut at the figure's edge", () => {
  // Two widths under a decade apart: the log axis labels its minor ticks (2×10⁻¹), wider than the default margin leaves room for.
  const out = path.join(dir, 'converge-two.png');
  const run = runCli(['converge', '--widths', '16,64', '--seeds', '2', '--samples', '8', '--out', out]);
  assert.equal(run.status, 0, run.stderr);
  const png = PNG.sync.read(fs.readFileSync(out));
  const inkIn = (x0: number, x1: number) => {
    let ink = 0;
    for (let y = 0; y < png.height; y++) for (let x = x0; x < x1; x++) if (png.data[(y * png.width + x) * 4] < 128) ink++;
    return ink;
  };
  assert.equal(inkIn(0, 2), 0, 'the two outermost columns are white');
  assert.ok(inkIn(2, 30) > 50, 'the y label is drawn near the edge');
  assert.equal(inkIn(png.width - 2, png.width), 0);
});

test("axis labels written with mathtext's _x set that character as a subscript: smaller, and dropped below the baseline", () => {
  assert.deepEqual(withSubscripts('‖K_w − K_∞‖ / ‖K_∞‖'), [
    { text: '‖K' }, { text: 'w', script: 'sub' }, { text: ' − K' }, { text: '∞', script: 'sub' }, { text: '‖ / ‖K' }, { text: '∞', script: 'sub' }, { text: '‖' },
  ]);
  assert.deepEqual(withSubscripts('plain'), [{ text: 'plain' }]);
  const family = ensureFont();
  // Ink rows of "x" drawn plain and as a subscript, each at baseline 40 of its own canvas.
  const inkRows = (runs: Parameters<typeof drawLabel>[1]) => {
    const canvas = createCanvas(80, 60);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#000';
    drawLabel(ctx, runs, family, 20, 10, 40, 'left', 'baseline');
    const data = ctx.getImageData(0, 0, 80, 60).data;
    const rows: number[] = [];
    for (let y = 0; y < 60; y++) for (let x = 30; x < 80; x++) if (data[(y * 80 + x) * 4 + 3] > 128) rows.push(y);
    return { top: Math.min(...rows), bottom: Math.max(...rows) };
  };
  const plain = inkRows([{ text: 'M' }, { text: 'x' }]);
  const sub = inkRows([{ text: 'M' }, { text: 'x', script: 'sub' }]);
  assert.ok(sub.bottom > plain.bottom + 1, `the subscript drops: bottom ${sub.bottom} against ${plain.bottom}`);
  assert.ok(sub.bottom - sub.top < plain.bottom - plain.top, 'and is smaller');
  const ctx = createCanvas(10, 10).getContext('2d');
  assert.ok(measureLabel(ctx, withSubscripts('K_p'), family, 20).descent > measureLabel(ctx, 'Kp', family, 20).descent, "a subscript's descender takes the label's box lower");
});

test('labels too wide for any margin leave the axes half their width, not a negative one', () => {
  const wide = 'a tick label far wider than any margin a chart could give it, wider than the axes themselves are';
  const png = PNG.sync.read(
    renderFigure({ panels: [{ x: { scale: 'linear' }, y: { scale: 'linear', ticks: { values: [0, 1], labels: [wide, wide] } }, artists: [{ kind: 'line', x: [0, 1], y: [0, 1], colour: '#1f77b4' }] }] }, 'png'),
  );
  // The top spine, near figure.subplot.top (an antialiased 0.8 pt line): its run of grey is the axes' width.
  const top = Math.round((1 - 0.88) * png.height);
  let dark = 0;
  for (let row = top - 2; row <= top + 2; row++) {
    let count = 0;
    for (let x = 0; x < png.width; x++) if (png.data[(row * png.width + x) * 4] < 200) count++;
    dark = Math.max(dark, count);
  }
  const cell = (0.9 - 0.125) * png.width;
  assert.ok(dark >= cell / 2 - 2 && dark <= cell / 2 + 2, `the axes are ${dark} px wide, of ${cell}`);
});

test('every chart is written as PNG, SVG and PDF, two-panel charts included', () => {
  const train = path.join(FIXTURES, 'predict', 'analytic_train.npy');
  const targets = path.join(FIXTURES, 'predict', 'analytic_targets.npy');
  const test_ = path.join(FIXTURES, 'predict', 'analytic_test.npy');
  for (const ext of ['png', 'svg', 'pdf']) {
    const chartFile = path.join(dir, `predict.${ext}`);
    const predict = runCli(['predict', '--train', train, '--targets', targets, '--test', test_, '--width', '64', '--out', path.join(dir, 'p.npy'), '--chart', chartFile]);
    assert.equal(predict.status, 0, predict.stderr);
    const driftFile = path.join(dir, `drift.${ext}`);
    const drift = runCli(['drift', '--dataset', 'iris', '--widths', '16,64', '--seeds', '1', '--steps', '5', '--out', driftFile]);
    assert.equal(drift.status, 0, drift.stderr);
    for (const file of [chartFile, driftFile]) {
      const head = fs.readFileSync(file).subarray(0, 8).toString('latin1');
      const expected = { png: '\x89PNG', svg: '<?xml', pdf: '%PDF' }[ext]!;
      assert.ok(head.startsWith(expected), `${file}: ${JSON.stringify(head)}`);
    }
    if (ext === 'png') assert.deepEqual([PNG.sync.read(fs.readFileSync(chartFile)).width, PNG.sync.read(fs.readFileSync(driftFile)).width], [1280, 1280]);
  }
});
