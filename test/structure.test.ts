/** Inputs with structure: circles, the kernel against the angle, labels, sorting and kernel–target alignment. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { kernelAlignment } from '../src/analysis/alignment';
import { classesOf } from '../src/analysis/labels';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { heatmapLayout } from '../src/render/layout';
import { FIXTURES, runCli, tempDir } from './helpers';

const dir = tempDir();

/** The depth-1 NTK-parameterised network's kernels for unit inputs at angle γ in d = 2, σ_w = σ_b = 1, in closed form. */
function twoLayer(activation: 'relu' | 'erf', gamma: number): number {
  const s = 0.5 + 1; // |x|²/d + σ_b²
  const c = Math.cos(gamma) / 2 + 1;
  let t: number;
  let tDot: number;
  if (activation === 'relu') {
    const theta = Math.acos(Math.min(1, c / s));
    t = (s * (Math.sin(theta) + (Math.PI - theta) * Math.cos(theta))) / (2 * Math.PI);
    tDot = (Math.PI - theta) / (2 * Math.PI);
  } else {
    const a = (1 + 2 * s) ** 2;
    t = (2 / Math.PI) * Math.asin((2 * c) / Math.sqrt(a));
    tDot = 4 / Math.PI / Math.sqrt(a - 4 * c * c);
  }
  return t + 1 + tDot * c;
}

test('circle:N at infinite width: the closed form at every pair, and a circulant matrix (to the float32 rounding of the points)', () => {
  const N = 36;
  const out = path.join(dir, 'circle.npy');
  const run = runCli(['kernel', '--inputs', `circle:${N}`, '--input-dim', '2', '--width', 'inf', '--parameterization', 'ntk', '--dtype', 'float64', '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).model.layers, [2, 'inf', 1]);
  const k = parseNpy(fs.readFileSync(out)).data;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const expected = twoLayer('relu', (2 * Math.PI * (j - i)) / N);
      assert.ok(Math.abs(k[i * N + j] - expected) <= 1e-6 * expected, `(${i}, ${j}): ${k[i * N + j]} vs ${expected}`);
      // Each row is the first rotated: the points differ from exact rotations only by float32 rounding.
      assert.ok(Math.abs(k[i * N + j] - k[(j - i + N) % N]) <= 2e-7 * k[0], `(${i}, ${j}) is not the rotation of row 0`);
    }
  }
});

test("angle: the analytic curve is the closed form at every angle, and width 4096's mean is within 5% of it (relu and erf)", () => {
  for (const activation of ['relu', 'erf'] as const) {
    const run = runCli(['angle', '--activation', activation, '--widths', '64,4096', '--seeds', '3', '--points', '73', '--out', path.join(dir, `angle-${activation}.svg`), '--json']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.angles.length, 73);
    report.angles.forEach((gamma: number, i: number) => {
      const expected = twoLayer(activation, gamma);
      assert.ok(Math.abs(report.analytic[i] - expected) <= 1e-6 * expected, `${activation} at ${gamma}: ${report.analytic[i]} vs ${expected}`);
    });
    const wide = report.empirical.find((e: { width: number }) => e.width === 4096);
    const gap = Math.max(...wide.mean.map((v: number, i: number) => Math.abs(v - report.analytic[i]) / report.analytic[i]));
    assert.ok(gap < 0.05, `${activation}: ${gap}`);
    for (const e of report.empirical) e.mean.forEach((m: number, i: number) => assert.ok(e.min[i] <= m && m <= e.max[i]));
  }
  const standard = runCli(['angle', '--parameterization', 'standard', '--widths', '16,64', '--seeds', '1', '--out', path.join(dir, 'angle.pdf'), '--json']);
  assert.equal(standard.status, 0, standard.stderr);
  assert.equal(JSON.parse(standard.stdout).analytic, null, 'no infinite-width limit in standard parameterization');
  assert.equal(fs.readFileSync(path.join(dir, 'angle.pdf')).subarray(0, 5).toString(), '%PDF-');
  // One width is a curve against its limit (converge and drift, which fit a slope, need two).
  const one = runCli(['angle', '--widths', '64', '--seeds', '2', '--points', '9', '--out', path.join(dir, 'angle-one.png'), '--json']);
  assert.equal(one.status, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout).empirical.map((e: { width: number }) => e.width), [64]);
});

test("alignment and centred alignment equal NumPy's (explicit centring matrix) to 1e-6", () => {
  const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'alignment', 'expected.json'), 'utf8'));
  const run = runCli(['spectrum', path.join(FIXTURES, 'spectrum', 'seed.npy'), '--labels', path.join(FIXTURES, 'alignment', 'labels.npy'), '--out', path.join(dir, 's.png'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.ok(Math.abs(report.alignment - expected.alignment) <= 1e-6 * expected.alignment);
  assert.ok(Math.abs(report.centered_alignment - expected.centered_alignment) <= 1e-6 * Math.abs(expected.centered_alignment));
  assert.deepEqual(report.classes.sizes, expected.sizes);
});

test('both alignments are unchanged by a joint permutation of the samples and their labels', () => {
  fc.assert(
    fc.property(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 0, max: 1e6 }), (n, salt) => {
      const values = new Float64Array(n * n);
      const f = Float64Array.from({ length: n * 3 }, (_, k) => Math.sin(k * 1.3 + salt));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) values[i * n + j] = f[i * 3] * f[j * 3] + f[i * 3 + 1] * f[j * 3 + 1] + f[i * 3 + 2] * f[j * 3 + 2] + 1;
      const labels = Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][(i * 7 + salt) % 3]);
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.sin(a * 12.9898 + salt) - Math.sin(b * 12.9898 + salt));
      const permuted = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) permuted[i * n + j] = values[order[i] * n + order[j]];
      const a = kernelAlignment(values, classesOf(labels));
      const b = kernelAlignment(permuted, classesOf(order.map((i) => labels[i])));
      return Math.abs(a.alignment - b.alignment) < 1e-12 && (Number.isNaN(a.centeredAlignment) || Math.abs(a.centeredAlignment - b.centeredAlignment) < 1e-9);
    }),
    { numRuns: 200 },
  );
});

test('render --labels draws the matrix sorted by class: the same pixels as the matrix sorted by hand', () => {
  const n = 30;
  const values = Float32Array.from({ length: n * n }, (_, k) => Math.cos(Math.floor(k / n) * 0.7) * Math.cos((k % n) * 0.7) + (Math.floor(k / n) === k % n ? 1 : 0));
  const labels = Array.from({ length: n }, (_, i) => ['cat', 'dog', 'emu'][(i * 5) % 3]);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => labels[a].localeCompare(labels[b]) || a - b);
  const sorted = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sorted[i * n + j] = values[order[i] * n + order[j]];
  fs.writeFileSync(path.join(dir, 'm.npy'), encodeNpy(values, [n, n]));
  fs.writeFileSync(path.join(dir, 'sorted.npy'), encodeNpy(sorted, [n, n]));
  fs.writeFileSync(path.join(dir, 'labels.txt'), labels.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'sorted-labels.txt'), order.map((i) => labels[i]).join('\n') + '\n');
  const a = runCli(['render', path.join(dir, 'm.npy'), '--labels', path.join(dir, 'labels.txt'), '--out', path.join(dir, 'a.png')]);
  const b = runCli(['render', path.join(dir, 'sorted.npy'), '--labels', path.join(dir, 'sorted-labels.txt'), '--out', path.join(dir, 'b.png')]);
  const c = runCli(['render', path.join(dir, 'm.npy'), '--labels', path.join(dir, 'labels.txt'), '--sort-by', 'none', '--out', path.join(dir, 'c.png')]);
  for (const run of [a, b, c]) assert.equal(run.status, 0, run.stderr);
  const pixels = (f: string) => PNG.sync.read(fs.readFileSync(path.join(dir, f))).data;
  assert.ok(pixels('a.png').equals(pixels('b.png')));
  assert.ok(!pixels('a.png').equals(pixels('c.png')), '--sort-by none keeps the given order');
});

test('heatmap --dataset iris: 150 samples in three named classes, the class blocks drawn and the alignment reported', () => {
  const out = path.join(dir, 'iris.png');
  const run = runCli(['heatmap', '--dataset', 'iris', '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(report.dataset, { name: 'iris', n: 150, d: 4 });
  assert.deepEqual(report.classes, { names: ['setosa', 'versicolor', 'virginica'], sizes: [50, 50, 50] });
  assert.ok(report.alignment > 0 && report.alignment <= 1 && report.centered_alignment > 0.3, JSON.stringify(report));
  // The separator lines are grey where the classes meet: one third of the way across the image.
  const png = PNG.sync.read(fs.readFileSync(out));
  const { image } = heatmapLayout(150, 150, 640, 480);
  const x = Math.round(image.x + image.w / 3);
  const y = Math.round(image.y + image.h / 2);
  const [r, g, b] = png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3);
  assert.ok(Math.abs(r - g) < 20 && Math.abs(g - b) < 20 && r > 60, `a grey line at x = ${x}: ${r},${g},${b}`);
});
