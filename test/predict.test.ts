/** `ntk-cli predict` against SciPy's evaluation of the formulas, closed forms, its own limits, and a trained network. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { FIXTURES, maxAbsDiff, relativeMaxError, runCli, tempDir } from './helpers';

const dir = tempDir();
const P = path.join(FIXTURES, 'predict');
const expected = JSON.parse(fs.readFileSync(path.join(P, 'expected.json'), 'utf8'));

function predict(args: string[]): { report: Record<string, unknown>; predictions: Float64Array } {
  const out = path.join(dir, `p-${Math.random().toString(36).slice(2)}.npy`);
  const run = runCli(['predict', ...args, '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  return { report: JSON.parse(run.stdout), predictions: Float64Array.from(parseNpy(fs.readFileSync(out)).data) };
}

/** `count` values in [−2, 2) from a hash of (seed, index): inputs without structure, the same on every machine. */
function hashValues(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => {
    const s = Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453;
    return 4 * (s - Math.floor(s)) - 2;
  });
}

const analyticArgs = ['--train', path.join(P, 'analytic_train.npy'), '--targets', path.join(P, 'analytic_targets.npy'), '--test', path.join(P, 'analytic_test.npy'), '--width', 'inf', '--parameterization', 'ntk', '--depth', '2', '--sigma-w', '1.5', '--sigma-b', '0.2'];

test('infinite width: NTK predictions at t = 7 and t = ∞, with and without --diag-reg, equal SciPy to 1e-4', () => {
  for (const t of ['7', 'inf']) {
    for (const r of ['0', '0.001']) {
      const want: number[] = expected.analytic.predictions[`ntk t=${t === 'inf' ? 'inf' : '7.0'} r=${r === '0' ? '0.0' : '0.001'}`];
      const got = predict([...analyticArgs, '--lr', '0.5', '--time', t, '--diag-reg', r]);
      assert.ok(relativeMaxError(got.predictions, want) <= 1e-4, `t ${t}, r ${r}: ${relativeMaxError(got.predictions, want)}`);
    }
  }
});

test('infinite width, NNGP: the posterior mean and variance equal SciPy to 1e-4', () => {
  const variance = path.join(dir, 'variance.npy');
  const got = predict([...analyticArgs, '--kernel', 'nngp', '--diag-reg', '0.001', '--variance', variance]);
  assert.ok(relativeMaxError(got.predictions, expected.analytic.predictions['nngp mean r=0.001']) <= 1e-4);
  const v = parseNpy(fs.readFileSync(variance)).data;
  const want: number[] = expected.analytic.predictions['nngp variance r=0.001'];
  // The variance is a small difference of large numbers: compared relative to the prior variance.
  v.forEach((value, i) => assert.ok(Math.abs(value - want[i]) <= 1e-4 * 10, `variance ${i}: ${value} vs ${want[i]}`));
  assert.ok(v.every((value) => value >= 0));
});

const networkArgs = ['--train', path.join(P, 'network_train.npy'), '--targets', path.join(P, 'network_targets.npy'), '--test', path.join(P, 'network_test.npy'), '--width', '64', '--depth', '2', '--activation', 'tanh', '--parameterization', 'ntk', '--seed', '3', '--lr', '0.25', '--diag-reg', '1e-4'];

test("a finite network's linearisation (PyTorch's kernel and f_0, two outputs) equals SciPy to 1e-4", () => {
  for (const t of ['3', 'inf']) {
    const got = predict([...networkArgs, '--time', t]);
    const want: number[] = expected.network.predictions[`t=${t === 'inf' ? 'inf' : '3.0'}`];
    assert.ok(relativeMaxError(got.predictions, want) <= 1e-4, `t ${t}: ${relativeMaxError(got.predictions, want)}`);
    assert.equal(got.report.output_dim, 2);
  }
});

test('t → 0 gives the network at initialisation, and a large t the t = ∞ answer', () => {
  const early = predict([...networkArgs, '--time', '1e-9']);
  assert.ok(relativeMaxError(early.predictions, expected.network.predictions.f0_test) <= 1e-6);
  const late = predict([...analyticArgs, '--diag-reg', '0.001', '--lr', '0.5', '--time', '1e12']);
  const limit = predict([...analyticArgs, '--diag-reg', '0.001', '--lr', '0.5']);
  assert.ok(relativeMaxError(late.predictions, limit.predictions) <= 1e-9);
  assert.ok(Number(late.report.train_loss) < 1e-6);
});

test('an identity network at infinite width is ridge regression with the linear kernel, solved in closed form', () => {
  // x ∈ R², depth 1, σ_w = 1, σ_b = 0: Θ(x, x') = 2·x·x'/d. With K = Θ + r·mean(diag Θ)·I the prediction
  // Θ(x*, X)·K⁻¹·Y is the ridge solution x*ᵀ·β, β = (XᵀX + λ·I)⁻¹·XᵀY with λ = r·mean(diag Θ)·d/2.
  const x = [[1, 0.5], [-0.3, 2], [0.7, -1.1], [1.5, 1.5], [-2, 0.1]];
  const y = [1, -2, 0.5, 3, -1];
  const xs = [[0.2, 0.3], [-1, 1]];
  const files = { train: path.join(dir, 'lx.npy'), targets: path.join(dir, 'ly.npy'), test: path.join(dir, 'lxs.npy') };
  fs.writeFileSync(files.train, encodeNpy(x.flat(), [5, 2]));
  fs.writeFileSync(files.targets, encodeNpy(y, [5, 1]));
  fs.writeFileSync(files.test, encodeNpy(xs.flat(), [2, 1 * 2]));
  const r = 0.1;
  const got = predict(['--train', files.train, '--targets', files.targets, '--test', files.test, '--width', 'inf', '--parameterization', 'ntk', '--activation', 'identity', '--sigma-b', '0', '--diag-reg', `${r}`]);
  const meanDiagonal = x.reduce((s, [a, b]) => s + (2 * (a * a + b * b)) / 2, 0) / 5;
  const lambda = (r * meanDiagonal * 2) / 2;
  const [a, b, c] = [x.reduce((s, v) => s + v[0] * v[0], 0) + lambda, x.reduce((s, v) => s + v[0] * v[1], 0), x.reduce((s, v) => s + v[1] * v[1], 0) + lambda];
  const [u, v] = [x.reduce((s, p, i) => s + p[0] * y[i], 0), x.reduce((s, p, i) => s + p[1] * y[i], 0)];
  const det = a * c - b * b;
  const beta = [(c * u - b * v) / det, (a * v - b * u) / det];
  const want = xs.map(([p, q]) => p * beta[0] + q * beta[1]);
  assert.ok(relativeMaxError(got.predictions, want) <= 1e-6, `${Array.from(got.predictions)} vs ${want}`);
});

test('--train-network: a width-1024 network stays within 0.1 RMSE of its linearisation, and the chart shows both', () => {
  const rows = 24;
  const xs = Float32Array.from({ length: rows * 2 }, (_, k) => Math.sin(1.3 * k + 0.4));
  const ys = Float32Array.from({ length: rows }, (_, i) => Math.tanh(xs[2 * i] - xs[2 * i + 1]));
  const test = Float32Array.from({ length: 10 * 2 }, (_, k) => Math.cos(0.7 * k));
  const files = { train: path.join(dir, 'tx.npy'), targets: path.join(dir, 'ty.npy'), test: path.join(dir, 'txs.npy') };
  fs.writeFileSync(files.train, encodeNpy(xs, [rows, 2]));
  fs.writeFileSync(files.targets, encodeNpy(ys, [rows, 1]));
  fs.writeFileSync(files.test, encodeNpy(test, [10, 2]));
  const chart = path.join(dir, 'predict.png');
  const got = predict(['--train', files.train, '--targets', files.targets, '--test', files.test, '--width', '1024', '--parameterization', 'ntk', '--train-network', '--steps', '200', '--lr', '0.5', '--chart', chart]);
  assert.ok(Number(got.report.network_rmse) < 0.1, `RMSE ${got.report.network_rmse}`);
  const png = PNG.sync.read(fs.readFileSync(chart));
  assert.deepEqual([png.width, png.height], [1280, 480]);
});

test('beside a trained network the prediction is the linearised network after the same steps, (I − ηΘ/m)^T, from which a 64× wider network is more than 3× closer', () => {
  const [rows, testRows, steps, lr] = [16, 6, 12, 0.8];
  const xs = Float32Array.from(hashValues(rows * 3, 1), (v) => v / 2);
  const ys = Float32Array.from({ length: rows }, (_, i) => Math.sin(2 * xs[3 * i]));
  const xt = Float32Array.from(hashValues(testRows * 3, 2), (v) => v / 2);
  const files = { train: path.join(dir, 'sx.npy'), targets: path.join(dir, 'sy.npy'), test: path.join(dir, 'sxt.npy'), all: path.join(dir, 'sall.npy') };
  fs.writeFileSync(files.train, encodeNpy(xs, [rows, 3]));
  fs.writeFileSync(files.targets, encodeNpy(ys, [rows, 1]));
  fs.writeFileSync(files.test, encodeNpy(xt, [testRows, 3]));
  fs.writeFileSync(files.all, encodeNpy([...xs, ...xt], [rows + testRows, 3]));
  const network = (width: number) => ['--width', `${width}`, '--parameterization', 'ntk', '--seed', '4'];
  const base = ['--train', files.train, '--targets', files.targets];
  // The linearised network, step by step: f ← f − (η/m)·Θ(·, X)·(f(X) − Y), m = n (one output).
  const f = Array.from(predict([...base, '--test', files.all, ...network(64), '--time', '0']).predictions);
  const kernelFile = path.join(dir, 'sk.npy');
  assert.equal(runCli(['kernel', '--inputs', files.all, ...network(64), '--dtype', 'float64', '--out', kernelFile, '--quiet']).status, 0);
  const k = parseNpy(fs.readFileSync(kernelFile)).data;
  const total = rows + testRows;
  for (let step = 0; step < steps; step++) {
    const residual = Array.from({ length: rows }, (_, j) => f[j]! - ys[j]!);
    const update = Array.from({ length: total }, (_, i) => residual.reduce((sum, r, j) => sum + k[i * total + j]! * r, 0) * (lr / rows));
    update.forEach((u, i) => (f[i] -= u));
  }
  const narrow = predict([...base, '--test', files.test, ...network(64), '--train-network', '--steps', `${steps}`, '--lr', `${lr}`]);
  assert.ok(maxAbsDiff(narrow.predictions, f.slice(rows)) < 1e-6, `${maxAbsDiff(narrow.predictions, f.slice(rows))}`);
  const wide = predict([...base, '--test', files.test, ...network(4096), '--train-network', '--steps', `${steps}`, '--lr', `${lr}`]);
  // Theory: the distance falls as 1/√width, 8× here.
  assert.ok(Number(wide.report.network_rmse) * 3 < Number(narrow.report.network_rmse), `${wide.report.network_rmse} against ${narrow.report.network_rmse}`);
});

test('a singular kernel at t = ∞ gives the limit of gradient flow (the pseudo-inverse): duplicate inputs are predicted at the mean of their targets', () => {
  // Duplicate training inputs make Θ(X, X) singular; f₀ = 0 at infinite width, and the residual along the null direction stays.
  const x = path.join(dir, 'dup.npy');
  fs.writeFileSync(x, encodeNpy([1, 2, 1, 2, 0.5, -1], [3, 2]));
  const y = path.join(dir, 'dupy.npy');
  fs.writeFileSync(y, encodeNpy([1, 3, 0], [3, 1]));
  const got = predict(['--train', x, '--targets', y, '--test', x, '--width', 'inf', '--parameterization', 'ntk']);
  assert.ok(maxAbsDiff(got.predictions, [2, 2, 0]) < 1e-9, `${got.predictions}`);
  assert.equal(got.report.numerical_rank, 2);
  assert.ok(Math.abs(Number(got.report.train_loss) - 1 / 3) < 1e-9, `${got.report.train_loss}`);
});

test("a float64 kernel's null directions are those within float64's rounding: an NNGP kernel of condition 1.9e5 is solved whole", () => {
  // λ_min/λ_max = 5.4e-6: below float32's floor n·2⁻²³ = 6.0e-6 (which would drop a direction), far above float64's.
  const files = { train: path.join(dir, 'ng_train.npy'), targets: path.join(dir, 'ng_targets.npy'), test: path.join(dir, 'ng_test.npy') };
  fs.writeFileSync(files.train, encodeNpy(hashValues(50 * 4, 5), [50, 4]));
  fs.writeFileSync(files.targets, encodeNpy(hashValues(50, 6), [50]));
  fs.writeFileSync(files.test, encodeNpy(hashValues(10 * 4, 7), [10, 4]));
  const args = ['--train', files.train, '--targets', files.targets, '--test', files.test, '--width', 'inf', '--parameterization', 'ntk', '--depth', '2', '--kernel', 'nngp'];
  const whole = predict(args);
  assert.equal(whole.report.numerical_rank, 50);
  const regularised = predict([...args, '--diag-reg', '1e-12']);
  assert.ok(relativeMaxError(whole.predictions, regularised.predictions) < 1e-6, `${relativeMaxError(whole.predictions, regularised.predictions)}`);
});

test('on a rank-deficient float32 kernel a late finite time converges to t = ∞ instead of amplifying rounding', () => {
  // An identity-activation network's kernel has rank d + 1 = 4; its other eigenvalues are float32 rounding.
  const files = { train: path.join(dir, 'lr_train.npy'), targets: path.join(dir, 'lr_targets.npy'), test: path.join(dir, 'lr_test.npy') };
  fs.writeFileSync(files.train, encodeNpy(hashValues(40 * 3, 1), [40, 3]));
  fs.writeFileSync(files.targets, encodeNpy(hashValues(40, 2), [40]));
  fs.writeFileSync(files.test, encodeNpy(hashValues(10 * 3, 3), [10, 3]));
  const args = ['--train', files.train, '--targets', files.targets, '--test', files.test, '--width', '64', '--activation', 'identity', '--seed', '4'];
  // Converged by t = 1e4: later times change nothing (rounding's directions, with factor ηt/m, took the answer to 100 times its size).
  const converged = predict([...args, '--time', '1e4']);
  const late = predict([...args, '--time', '1e8']);
  assert.ok(relativeMaxError(late.predictions, converged.predictions) < 1e-5, `t = 1e8: ${relativeMaxError(late.predictions, converged.predictions)}`);
  const limit = predict([...args, '--time', 'inf']);
  assert.equal(limit.report.numerical_rank, 4);
  assert.ok(relativeMaxError(limit.predictions, converged.predictions) < 1e-5, `t = ∞: ${relativeMaxError(limit.predictions, converged.predictions)}`);
});

test("the chart's ±2σ band is the NNGP's posterior; an NTK prediction has none", () => {
  // The band: matplotlib's first colour (31, 119, 180) at alpha 0.2 over white.
  const bandPixels = (file: string) => {
    const png = PNG.sync.read(fs.readFileSync(file));
    let count = 0;
    for (let k = 0; k < png.data.length; k += 4) {
      if (Math.abs(png.data[k]! - 210) <= 2 && Math.abs(png.data[k + 1]! - 228) <= 2 && Math.abs(png.data[k + 2]! - 240) <= 2) count++;
    }
    return count;
  };
  const [ntk, nngp] = [path.join(dir, 'chart-ntk.png'), path.join(dir, 'chart-nngp.png')];
  predict([...analyticArgs, '--chart', ntk]);
  predict([...analyticArgs, '--kernel', 'nngp', '--diag-reg', '0.001', '--chart', nngp]);
  assert.ok(bandPixels(nngp) > 1000, `NNGP band: ${bandPixels(nngp)} pixels`);
  // A few of the line's anti-aliased edge pixels share the colour; a band is thousands.
  assert.ok(bandPixels(ntk) < 200, `NTK: ${bandPixels(ntk)} pixels of the band's colour`);
});

test('with --trace none the NNGP variance is a row per test point, one per output, as the predictions are; each output has the single-output variance', () => {
  // Two outputs: stack the targets twice. The infinite-width kernel over outputs is I ⊗ K, so each column is the one-output variance.
  const targets = parseNpy(fs.readFileSync(path.join(P, 'analytic_targets.npy')));
  const n = targets.shape[0]!;
  const doubled = path.join(dir, 'targets2.npy');
  fs.writeFileSync(doubled, encodeNpy(Float64Array.from({ length: 2 * n }, (_, k) => targets.data[Math.floor(k / 2)]), [n, 2], 'float64'));
  const args = analyticArgs.map((a, i) => (analyticArgs[i - 1] === '--targets' ? doubled : a));
  const [one, two] = [path.join(dir, 'v1.npy'), path.join(dir, 'v2.npy')];
  predict([...analyticArgs, '--kernel', 'nngp', '--variance', one]);
  predict([...args, '--kernel', 'nngp', '--trace', 'none', '--output-dim', '2', '--variance', two, '--chart', path.join(dir, 'none.png')]);
  const [v1, v2] = [parseNpy(fs.readFileSync(one)), parseNpy(fs.readFileSync(two))];
  const tests = v1.shape[0]!;
  assert.deepEqual(v2.shape, [tests, 2]);
  for (let i = 0; i < tests; i++) for (let a = 0; a < 2; a++) assert.ok(Math.abs(v2.data[i * 2 + a] - v1.data[i]) <= 1e-9 * Math.max(1, v1.data[i]), `[${i}, ${a}]`);
});
