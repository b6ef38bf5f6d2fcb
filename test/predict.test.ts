/** `ntk-cli predict` against SciPy's evaluation of the formulas, closed forms, its own limits, and a trained network. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { FIXTURES, relativeMaxError, runCli, tempDir } from './helpers';

const dir = tempDir();
const P = path.join(FIXTURES, 'predict');
const expected = JSON.parse(fs.readFileSync(path.join(P, 'expected.json'), 'utf8'));

function predict(args: string[]): { report: Record<string, unknown>; predictions: Float64Array } {
  const out = path.join(dir, `p-${Math.random().toString(36).slice(2)}.npy`);
  const run = runCli(['predict', ...args, '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  return { report: JSON.parse(run.stdout), predictions: Float64Array.from(parseNpy(fs.readFileSync(out)).data) };
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

test('a singular kernel at t = ∞ is refused with its smallest eigenvalue and the way out, not answered with NaN', () => {
  // Duplicate training inputs make Θ(X, X) singular.
  const x = path.join(dir, 'dup.npy');
  fs.writeFileSync(x, encodeNpy([1, 2, 1, 2, 0.5, -1], [3, 2]));
  const y = path.join(dir, 'dupy.npy');
  fs.writeFileSync(y, encodeNpy([1, 1, 0], [3, 1]));
  const out = path.join(dir, 'never.npy');
  const run = runCli(['predict', '--train', x, '--targets', y, '--test', x, '--width', 'inf', '--parameterization', 'ntk', '--out', out]);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /^ntk-cli: error: the kernel is singular: its smallest eigenvalue is -?[\d.e-]+, so t = ∞ has no unique solution; add --diag-reg/);
  assert.equal(fs.existsSync(out), false);
  const regularised = runCli(['predict', '--train', x, '--targets', y, '--test', x, '--width', 'inf', '--parameterization', 'ntk', '--diag-reg', '1e-3', '--out', out]);
  assert.equal(regularised.status, 0, regularised.stderr);
});
