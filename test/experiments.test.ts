import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { analyticKernels } from '../src/kernel/analytic';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { sweepPanel } from '../src/render/sweepChart';
import { relativeMaxError, runCli, tempDir } from './helpers';

const dir = tempDir();

test('converge on the defaults: slope within [−0.65, −0.35], width 4096 within 5% of K_∞, a 640×480 chart, same bytes twice', () => {
  const a = path.join(dir, 'a.png');
  const b = path.join(dir, 'b.png');
  const run = runCli(['converge', '--out', a, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(report.widths, [16, 64, 256, 1024, 4096]);
  assert.equal(report.distances[0].length, 5);
  assert.ok(report.slope > -0.65 && report.slope < -0.35, `slope ${report.slope}`);
  assert.ok(report.mean[4] < 0.05, `width 4096: ${report.mean[4]}`);
  assert.ok(Math.max(...report.distances[4]) < 0.05, 'every width-4096 seed is within 5%');
  const png = PNG.sync.read(fs.readFileSync(a));
  assert.deepEqual([png.width, png.height], [640, 480]);
  assert.equal(runCli(['converge', '--out', b]).status, 0);
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
});

test('drift falls as width grows, and the JSON gives the numbers and the slope', () => {
  const out = path.join(dir, 'drift.png');
  const run = runCli(['drift', '--widths', '16,256,4096', '--seeds', '2', '--steps', '50', '--samples', '40', '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.drift.length, 3);
  assert.ok(report.mean[0] > report.mean[1] && report.mean[1] > report.mean[2], `drift ${report.mean}`);
  assert.ok(report.slope < 0);
  // Training did something: the loss after 50 steps is below the loss of predicting 0, ½·mean(y²) ≈ 0.2 for sin(2x).
  assert.ok(report.final_loss.flat().every((l: number) => l < 0.2), `${report.final_loss}`);
  assert.equal(PNG.sync.read(fs.readFileSync(out)).width, 640);
});

test('--width inf gives the closed-form kernel, per output with --trace mean and summed with --trace sum', () => {
  const x = Float32Array.from({ length: 12 * 5 }, (_, i) => Math.sin(i * 1.7));
  const inputs = path.join(dir, 'x.npy');
  fs.writeFileSync(inputs, encodeNpy(x, [12, 5]));
  const expected = analyticKernels({ inputDim: 5, depth: 2, outputDim: 3, activation: 'erf', sigmaW: 1.5, sigmaB: 0.5, trace: 'mean' }, { values: x, count: 12, dim: 5 }).ntk;
  for (const trace of ['mean', 'sum']) {
    const out = path.join(dir, `inf-${trace}.npy`);
    const run = runCli([
      'kernel', '--width', 'inf', '--parameterization', 'ntk', '--activation', 'erf', '--depth', '2', '--output-dim', '3',
      '--sigma-w', '1.5', '--sigma-b', '0.5', '--trace', trace, '--inputs', inputs, '--dtype', 'float64', '--out', out,
    ]);
    assert.equal(run.status, 0, run.stderr);
    const scale = trace === 'sum' ? 3 : 1;
    assert.ok(relativeMaxError(parseNpy(fs.readFileSync(out)).data, expected.map((v) => v * scale)) < 1e-12);
  }
});


test('a sweep with nothing to fit (the kernel did not move) says so, in the summary and the chart, instead of a NaN slope', () => {
  const run = runCli(['drift', '--widths', '16,64', '--seeds', '1', '--samples', '10', '--lr', '1e-12', '--steps', '1', '--out', path.join(dir, 'still.png'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).slope, null);
  const quiet = runCli(['drift', '--widths', '16,64', '--seeds', '1', '--samples', '10', '--lr', '1e-12', '--steps', '1', '--out', path.join(dir, 'still.png')]);
  assert.match(quiet.stdout, /no power law to fit \(no value above 0\)/);
  const panel = sweepPanel({ title: 't', xLabel: 'x', yLabel: 'y', x: [16, 64], y: [0, 0], low: [0, 0], high: [0, 0], bandLabel: 'b', seriesLabel: 's', fit: { slope: NaN, intercept: NaN }, referenceSlope: -0.5 });
  assert.deepEqual(panel.artists.map((a) => ('label' in a ? a.label : '')), ['b', 's']);
});
