import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { parseNpy } from '../src/io/npy';
import { kernelCases, loadCaseArray, relativeMaxError, runCli, tempDir } from './helpers';

const dir = tempDir();
const seedKernel = loadCaseArray('seed', 'kernel_float32.npy');

test('heatmap on the defaults writes the seed kernel as a 640×480 PNG and reports it in JSON', () => {
  const out = path.join(dir, 'ntk.png');
  const matrix = path.join(dir, 'ntk.npy');
  const run = runCli(['heatmap', '--out', out, '--matrix', matrix, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.n, 100);
  assert.equal(report.parameters, 221);
  assert.equal(report.method, 'structured');
  // auto: OpenBLAS where the binding loads (no TensorFlow.js needed), else TensorFlow.js on its backend.
  if (report.linalg === 'openblas') assert.equal(report.backend, null);
  else assert.ok(report.linalg === 'tfjs' && ['node', 'wasm', 'cpu'].includes(report.backend), JSON.stringify(report));
  assert.ok(report.seconds.kernel > 0 && report.seconds.total >= report.seconds.kernel);
  const max = Math.max(...seedKernel);
  assert.ok(Math.abs(report.kernel.max - max) <= 1e-5 * max);
  let trace = 0;
  for (let i = 0; i < 100; i++) trace += seedKernel[i * 101];
  assert.ok(Math.abs(report.kernel.trace - trace) <= 1e-5 * trace);
  assert.ok(Math.abs(report.kernel.diag_mean - trace / 100) <= 1e-5 * trace);
  const png = PNG.sync.read(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height], [640, 480]);
  assert.ok(relativeMaxError(parseNpy(fs.readFileSync(matrix)).data, seedKernel) <= 1e-5);
});

test("kernel writes PyTorch's seed kernel as .npy, .csv and .json", () => {
  for (const ext of ['npy', 'csv', 'json']) {
    const out = path.join(dir, `k.${ext}`);
    const run = runCli(['kernel', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /NTK of a 20-10-1 relu MLP \(221 parameters/);
    let values: ArrayLike<number>;
    if (ext === 'npy') {
      const array = parseNpy(fs.readFileSync(out));
      assert.deepEqual(array.shape, [100, 100]);
      assert.equal(array.dtype, 'float32');
      values = array.data;
    } else if (ext === 'csv') {
      const rows = fs.readFileSync(out, 'utf8').trim().split('\n');
      assert.equal(rows.length, 100);
      values = rows.flatMap((r) => r.split(',').map(Number));
    } else {
      const parsed = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.deepEqual(parsed.shape, [100, 100]);
      values = parsed.data.flat();
    }
    assert.ok(relativeMaxError(values, seedKernel) <= 1e-5, ext);
  }
});

test('flags reach the model: an NTK-parameterised erf net with two outputs matches its fixture', () => {
  const c = kernelCases().find((k) => k.name === 'ntk_erf')!;
  const out = path.join(dir, 'erf.npy');
  const run = runCli([
    'kernel', '--out', out, '--dtype', 'float64', '--parameterization', 'ntk', '--activation', 'erf',
    '--width', String(c.width), '--depth', String(c.depth), '--input-dim', String(c.inputDim),
    '--output-dim', String(c.outputDim), '--samples', String(c.samples), '--seed', String(c.seed), '--method', 'naive',
  ]);
  assert.equal(run.status, 0, run.stderr);
  const array = parseNpy(fs.readFileSync(out));
  assert.equal(array.dtype, 'float64');
  assert.ok(relativeMaxError(array.data, loadCaseArray(c, 'kernel.npy')) <= 1e-5);
});

test('--help documents the options', () => {
  const run = runCli(['heatmap', '--help']);
  assert.equal(run.status, 0);
  for (const flag of ['--width', '--depth', '--input-dim', '--output-dim', '--samples', '--seed', '--activation', '--parameterization', '--method', '--trace', '--backend', '--json', '--out', '--matrix']) {
    assert.ok(run.stdout.includes(flag), flag);
  }
});

test('--linalg names what ran: tfjs with its backend, and a forced blas where the binding is missing exits 1 in one line', () => {
  const tfjs = runCli(['kernel', '--linalg', 'tfjs', '--backend', 'cpu', '--out', path.join(dir, 'tfjs.npy'), '--json']);
  assert.equal(tfjs.status, 0, tfjs.stderr);
  const report = JSON.parse(tfjs.stdout);
  assert.deepEqual([report.linalg, report.backend], ['tfjs', 'cpu']);
  assert.ok(relativeMaxError(parseNpy(fs.readFileSync(path.join(dir, 'tfjs.npy'))).data, seedKernel) <= 1e-5);
  const missing = runCli(['kernel', '--linalg', 'blas', '--out', path.join(dir, 'never.npy')], { withoutBlas: true });
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.match(missing.stderr, /^ntk-cli: error: --linalg blas: the nblas binding is not installed/);
  assert.equal(fs.existsSync(path.join(dir, 'never.npy')), false);
  // auto falls back to TensorFlow.js there and says so.
  const auto = runCli(['kernel', '--out', path.join(dir, 'auto.npy'), '--json'], { withoutBlas: true });
  assert.equal(auto.status, 0, auto.stderr);
  assert.equal(JSON.parse(auto.stdout).linalg, 'tfjs');
});

test('--quiet prints nothing on success; --fail-if exits 3 after writing everything, naming the number', () => {
  const out = path.join(dir, 'q.png');
  const quiet = runCli(['heatmap', '--quiet', '--out', out]);
  assert.deepEqual([quiet.status, quiet.stdout, quiet.stderr], [0, '', '']);
  assert.ok(fs.statSync(out).size > 1000);

  // The seed kernel: min −0.00244, max 13.57; its spectrum's condition number 1.38e4.
  const passing = runCli(['heatmap', '--quiet', '--out', out, '--fail-if', 'kernel.max > 20', '--fail-if', 'kernel.min<-1']);
  assert.equal(passing.status, 0, passing.stderr);
  const tripped = runCli(['heatmap', '--json', '--out', out, '--fail-if', 'kernel.max > 13', '--fail-if', 'kernel.min < -1', '--fail-if', 'kernel.shape[-1] == 100']);
  assert.equal(tripped.status, 3);
  assert.equal(JSON.parse(tripped.stdout).kernel.shape[0], 100, 'the report is printed before the gate');
  assert.equal(tripped.stderr.trim().split('\n').length, 1);
  assert.match(tripped.stderr, /^ntk-cli: error: --fail-if 'kernel\.max > 13' holds: kernel\.max is 13\.574\d*; 'kernel\.shape\[-1\] == 100' holds: kernel\.shape\[-1\] is 100\n$/);
  const spectrum = runCli(['spectrum', '--quiet', '--out', path.join(dir, 's.png'), '--fail-if', 'condition_number >= 1e4']);
  assert.equal(spectrum.status, 3);
  assert.match(spectrum.stderr, /condition_number is 1376\d\./);

  const typo = runCli(['heatmap', '--out', out, '--fail-if', 'kernel.maxx > 1']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /--fail-if 'kernel\.maxx > 1': the report has no number there \(its keys: .*kernel.*\)/);
});
