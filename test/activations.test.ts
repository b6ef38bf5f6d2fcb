/**
 * Every activation at infinite width (closed forms and quadrature) against
 * independent references, and the whole kernel over outputs (--trace none)
 * against PyTorch's full Jacobian contraction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { activation, ACTIVATION_NAMES, dualMap } from '../src/activations';
import { analyticKernels } from '../src/kernel/analytic';
import { fullOutputKernel } from '../src/kernel/fullOutputs';
import { kernelMatrix } from '../src/kernel/matrix';
import { naiveKernel } from '../src/kernel/naive';
import { relativeFrobenius } from '../src/math/fit';
import { initMlp, seededModelAndInputs } from '../src/model/mlp';
import { TorchGenerator } from '../src/model/torchRandom';
import { caseShape, FIXTURES, kernelCases, loadCaseArray, relativeMaxError, runCli, samplesOf, tempDir, testLinalgs } from './helpers';

const dir = tempDir();
const analytic = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'analytic', 'expected.json'), 'utf8'));

test('tanh, gelu, sin, sigmoid and softplus at infinite width equal SciPy\'s adaptive quadrature to 1e-6 (inputs of norm 0.5 to 10)', () => {
  const x = samplesOf(Float32Array.from(analytic.inputs.flat()), 3);
  for (const name of Object.keys(analytic.kernels)) {
    const spec = { inputDim: 3, depth: analytic.depth, outputDim: 1, activation: name, sigmaW: analytic.sigma_w, sigmaB: analytic.sigma_b };
    const got = analyticKernels(spec, x);
    for (const kind of ['nngp', 'ntk'] as const) {
      const error = relativeMaxError(got[kind], analytic.kernels[name][kind].flat());
      assert.ok(error <= 1e-6, `${name} ${kind}: ${error}`);
    }
  }
});

test('quadrature gives the closed forms of relu, leaky_relu, erf and sin to 1e-6, kinks included', () => {
  const out = new Float64Array(2);
  const exact = new Float64Array(2);
  // (s11, s22, s12): unit scale, unequal scales, norm-10 inputs (s ≈ 50), near-duplicates, anti-correlated, a zero variance.
  const cases = [[1, 1, 0.3], [2, 0.5, -0.7], [51, 51, 50.9], [51, 3, 10], [4, 4, 4], [100, 100, -99], [0.01, 5, 0.1], [0, 2, 0]];
  for (const name of ['relu', 'leaky_relu:0.2', 'erf', 'sin']) {
    const act = activation(name);
    const quadrature = dualMap(act, { force: true });
    for (const [s11, s22, s12] of cases) {
      // With u ≡ 0, E[φ′(u)φ′(v)] = φ′(0)·E[φ′(v)] hangs on the convention for φ′ at a kink.
      if (s11 === 0 && act.kinks) continue;
      quadrature(s11, s22, s12, out);
      act.closedForm!(s11, s22, s12, exact);
      for (const k of [0, 1]) {
        const scale = Math.max(Math.abs(exact[k]), 1e-3 * Math.sqrt(s11 * s22), 1e-12);
        assert.ok(Math.abs(out[k] - exact[k]) <= 1e-6 * scale, `${name} (${s11}, ${s22}, ${s12}) [${k}]: ${out[k]} vs ${exact[k]}`);
      }
    }
  }
});

test("sin's closed form stays finite at large variances, where sinh and cosh alone overflow", () => {
  // E[sin u sin v] and E[cos u cos v] for s11 = s22 = 2000, s12 = 1990: (e^{−10} ∓ e^{−3990})/2.
  const out = new Float64Array(2);
  activation('sin').closedForm!(2000, 2000, 1990, out);
  for (const value of out) assert.ok(Math.abs(value / (Math.exp(-10) / 2) - 1) < 1e-14, `${out}`);
  // And exact where sinh is: small and negative s12.
  for (const s12 of [-0.2, 1e-9, -1e-12]) {
    activation('sin').closedForm!(0.3, 0.7, s12, out);
    assert.ok(Math.abs(out[0] / (Math.exp(-0.5) * Math.sinh(s12)) - 1) < 1e-14 && Math.abs(out[1] / (Math.exp(-0.5) * Math.cosh(s12)) - 1) < 1e-14, `${s12}: ${out}`);
  }
});

test('networks of width 4096 are within 5% of the infinite-width kernel for every activation', async () => {
  const { linalg } = (await testLinalgs()).linalgs[0];
  const n = 20;
  const d = 4;
  const x = samplesOf(new TorchGenerator(3).randn(n * d), d);
  for (const name of ACTIVATION_NAMES.map((a) => (a === 'leaky_relu[:α]' ? 'leaky_relu:0.2' : a))) {
    const spec = { inputDim: d, depth: 2, outputDim: 1, activation: name, sigmaW: 1.2, sigmaB: 0.3 };
    const exact = analyticKernels(spec, x).ntk;
    const model = initMlp({ ...spec, width: 4096, parameterization: 'ntk' }, new TorchGenerator(11));
    const distance = relativeFrobenius(kernelMatrix(model, x, null, linalg), exact);
    assert.ok(distance < 0.05, `${name}: ${distance}`);
  }
});

test('converge --activation tanh fits a slope between −0.65 and −0.35', () => {
  const run = runCli(['converge', '--activation', 'tanh', '--out', path.join(dir, 'tanh.png'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.ok(report.slope > -0.65 && report.slope < -0.35, `slope ${report.slope}`);
});

test("--trace none equals PyTorch's full Jacobian contraction, and its diagonal blocks sum to --trace sum", async () => {
  const { linalgs } = await testLinalgs();
  const cases = kernelCases().filter((c) => c.outputDim > 1);
  assert.ok(cases.length >= 3);
  for (const c of cases) {
    const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
    const x = samplesOf(inputs, c.inputDim);
    const expected = loadCaseArray(c, 'kernel_full.npy');
    const o = c.outputDim;
    for (const { name, linalg } of linalgs) {
      const structured = fullOutputKernel(model, x, null, linalg);
      assert.ok(relativeMaxError(structured, expected) <= 1e-5, `${c.name} on ${name}: ${relativeMaxError(structured, expected)}`);
      assert.ok(relativeMaxError(naiveKernel(model, x, null, linalg, { trace: 'none' }), expected) <= 1e-5, `${c.name} naive on ${name}`);
      const summed = new Float64Array(c.samples * c.samples);
      for (let i = 0; i < c.samples; i++) for (let j = 0; j < c.samples; j++) for (let a = 0; a < o; a++) summed[i * c.samples + j] += structured[(i * o + a) * c.samples * o + j * o + a];
      assert.ok(relativeMaxError(summed, kernelMatrix(model, x, null, linalg)) <= 1e-6, `${c.name}: diagonal blocks`);
    }
  }
});

test('--trace none at infinite width is Θ ⊗ I (independent outputs), and the CLI writes and draws it', () => {
  const x = samplesOf(new TorchGenerator(2).randn(6 * 3), 3);
  const spec = { inputDim: 3, depth: 2, outputDim: 3, activation: 'tanh', sigmaW: 1, sigmaB: 0.5 };
  const perOutput = analyticKernels({ ...spec, trace: 'mean' }, x).ntk;
  const full = analyticKernels({ ...spec, trace: 'none' }, x).ntk;
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) assert.equal(full[(i * 3 + a) * 18 + j * 3 + b], a === b ? perOutput[i * 6 + j] : 0);
    }
  }
  const out = path.join(dir, 'full.npy');
  const run = runCli(['heatmap', '--output-dim', '3', '--trace', 'none', '--samples', '30', '--matrix', out, '--out', path.join(dir, 'full.png'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual([report.n, report.kernel.shape], [30, [90, 90]]);
  assert.equal(fs.statSync(out).size, 128 + 90 * 90 * 4);
});

test('the adaptive rule agrees with a fixed 1001-node rule to 1e-8 at depth 6, for every activation without a closed form', () => {
  // Deep kernels correlate inputs strongly, where the product of φ(a·x) and its nearly equal inner integral has
  // the poles of φ twice over: the adaptive rule refines its step there (activations/quadrature.ts).
  const x = { values: Float32Array.from({ length: 8 * 3 }, (_, k) => Math.sin(1.7 * k + 0.3) * (1 + (k % 3))), count: 8, dim: 3 };
  for (const activation of ['tanh', 'gelu', 'sigmoid', 'softplus']) {
    const spec = { inputDim: 3, depth: 6, outputDim: 1, activation, sigmaW: 1.5, sigmaB: 0.5 };
    const adaptive = analyticKernels(spec, x).ntk;
    const fixed = analyticKernels({ ...spec, quadrature: { nodes: 1001 } }, x).ntk;
    const scale = Math.max(...fixed.map(Math.abs));
    const worst = Math.max(...adaptive.map((v, i) => Math.abs(v - fixed[i])));
    assert.ok(worst <= 1e-8 * scale, `${activation}: ${worst / scale}`);
  }
});
