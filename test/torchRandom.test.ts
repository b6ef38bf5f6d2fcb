import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxMullerRuns, TorchGenerator } from '../src/model/torchRandom';
import { nativeFor, nativeHelpers } from '../src/native';
import { cephesLogf, cephesSincosf } from '../src/model/float32Math';
import { seededModelAndInputs } from '../src/model/mlp';
import { bitDifferences, caseShape, kernelCases, loadCaseArray, maxAbsDiff } from './helpers';

test('mt19937 meets the C++ standard check: the 10000th draw from seed 5489 is 4123659995', () => {
  const g = new TorchGenerator(5489);
  let value = 0;
  for (let i = 0; i < 10000; i++) value = g.random();
  assert.equal(value, 4123659995);
});

test('seeds use their low 32 bits, like at::mt19937', () => {
  const a = new TorchGenerator(2n ** 32n + 7n).random();
  const b = new TorchGenerator(7).random();
  assert.equal(a, b);
  assert.throws(() => new TorchGenerator(2n ** 64n), RangeError);
});

test('Cephes float32 log and sincos stay within 2 ulp of the true values', () => {
  for (let i = 1; i <= 2000; i++) {
    const x = Math.fround(i / 2000);
    const log = cephesLogf(x);
    assert.ok(Math.abs(log - Math.log(x)) <= 2 * 2 ** -23 * Math.max(1, Math.abs(Math.log(x))), `log ${x}`);
    const theta = Math.fround(2 * Math.PI * x);
    const [s, c] = cephesSincosf(theta);
    assert.ok(Math.abs(s - Math.sin(theta)) < 3e-7, `sin ${theta}`);
    assert.ok(Math.abs(c - Math.cos(theta)) < 3e-7, `cos ${theta}`);
  }
});

for (const c of kernelCases()) {
  test(`${c.name}: weights, biases and inputs equal PyTorch's bit for bit`, () => {
    const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
    assert.equal(maxAbsDiff(inputs, loadCaseArray(c, 'inputs.npy')), 0, 'inputs');
    model.layers.filter((layer) => layer.kind === 'dense').forEach((layer, l) => {
      assert.equal(maxAbsDiff(layer.weight, loadCaseArray(c, `layer${l}.weight.npy`)), 0, `layer ${l} weight`);
      assert.equal(maxAbsDiff(layer.bias!, loadCaseArray(c, `layer${l}.bias.npy`)), 0, `layer ${l} bias`);
    });
  });
}

test("the native helper's Box–Muller gives the bits of the JavaScript steps, edge uniforms included", (t) => {
  const native = nativeHelpers();
  if (typeof native?.boxMuller !== 'function') {
    t.skip('the native helper is not built here: randn runs the JavaScript steps');
    return;
  }
  const g = new TorchGenerator(12345);
  const u = Float32Array.from({ length: 1 << 20 }, () => (g.random() & 0xffffff) / 16777216);
  const edges = [0, 2 ** -24, 0.5, 0.25, 0.75, 0.125, 1 - 2 ** -24, 0.999, 1e-7];
  edges.forEach((v, k) => {
    u[k] = v; // as u1 (1 − u enters the log)
    u[24 + k] = v; // as u2 (2π·u enters sin and cos)
  });
  const [a, b] = [Float32Array.from(u), Float32Array.from(u)];
  native.boxMuller(a);
  boxMullerRuns(b);
  assert.equal(bitDifferences(a, b), 0);
});

test("the native helper's mt19937 uniforms are the JavaScript generator's draws, and leave it in the same state", (t) => {
  const native = nativeHelpers();
  if (typeof native?.mtUniform24 !== 'function') {
    t.skip('the native helper is not built here: the draws run in JavaScript');
    return;
  }
  const [a, b] = [new TorchGenerator(2024), new TorchGenerator(2024)];
  // Lengths that start and end inside the 624-word state and cross several twists.
  for (const length of [5, 619, 624, 1, 2000, 37]) {
    const state = (a as unknown as { state: Uint32Array; index: number });
    const out = new Float32Array(length);
    state.index = native.mtUniform24(state.state, state.index, out);
    const expected = Float32Array.from({ length }, () => (b.random() & 0xffffff) / 16777216);
    assert.deepEqual(out, expected, `${length} draws`);
  }
  assert.equal(a.random(), b.random());
});

test("the native uniform_ (24-bit uniforms, then one fused multiply-add) is the JavaScript steps' bits", (t) => {
  const native = nativeHelpers();
  if (typeof native?.mtUniform24 !== 'function' || typeof native.fmaInPlace !== 'function') {
    t.skip('the native helper is not built here: uniform_ runs in JavaScript');
    return;
  }
  // Loaded above: 5000 draws (under nativeFor's threshold) take its path.
  assert.ok(nativeFor(1), 'the native helper is loaded');
  const ranges: [number, number][] = [[-1 / Math.sqrt(3), 1 / Math.sqrt(3)], [0, 1], [-0.0357, 0.0357], [-1e-30, 2], [5, 5.0000005], [-3e38, 3e38]];
  for (const [from, to] of ranges) {
    const [a, b] = [new TorchGenerator(77), new TorchGenerator(77)];
    const fast = a.uniform(5000, from, to);
    const steps = b as unknown as { uniformFloat(lo: number, hi: number): number };
    const expected = Float32Array.from({ length: 5000 }, () => steps.uniformFloat(Math.fround(from), Math.fround(to)));
    assert.equal(bitDifferences(fast, expected), 0, `uniform_(${from}, ${to})`);
    assert.equal(a.random(), b.random());
  }
});
