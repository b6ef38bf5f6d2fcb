import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelMatrix } from '../src/kernel/matrix';
import { naiveKernel } from '../src/kernel/naive';
import { seededModelAndInputs } from '../src/model/mlp';
import { caseShape, kernelCases, loadCaseArray, relativeMaxError, samplesOf, testLinalgs } from './helpers';

const TOLERANCE = 1e-5;

test('every PyTorch fixture, structured and naive, on every linalg, to 1e-5 relative', async (t) => {
  const { linalgs, blasMissing } = await testLinalgs(['wasm', 'cpu']);
  if (blasMissing) t.diagnostic(`OpenBLAS not tested: ${blasMissing}`);
  for (const { name, linalg } of linalgs) {
    for (const c of kernelCases()) {
      await t.test(`${name}: ${c.name}`, () => {
        const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
        const x = samplesOf(inputs, c.inputDim);
        const expected = loadCaseArray(c, 'kernel.npy');
        const structured = kernelMatrix(model, x, null, linalg);
        const naive = naiveKernel(model, x, null, linalg);
        assert.ok(relativeMaxError(structured, expected) <= TOLERANCE, `structured: ${relativeMaxError(structured, expected)}`);
        assert.ok(relativeMaxError(naive, expected) <= TOLERANCE, `naive: ${relativeMaxError(naive, expected)}`);
        assert.ok(relativeMaxError(structured, naive) <= TOLERANCE, `structured vs naive: ${relativeMaxError(structured, naive)}`);
      });
    }
  }
});

test('the seed case matches the literal float32 output of the seed script', async () => {
  const { linalgs } = await testLinalgs();
  const c = kernelCases().find((k) => k.name === 'seed')!;
  const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
  for (const { name, linalg } of linalgs) {
    const kernel = kernelMatrix(model, samplesOf(inputs, c.inputDim), null, linalg);
    assert.ok(relativeMaxError(kernel, loadCaseArray(c, 'kernel_float32.npy')) <= TOLERANCE, name);
  }
});

test("trace 'mean' divides the summed kernel by the number of outputs", async () => {
  const { linalgs } = await testLinalgs();
  const c = kernelCases().find((k) => k.outputDim === 3)!;
  const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
  const expected = loadCaseArray(c, 'kernel.npy').map((v) => v / 3);
  for (const { name, linalg } of linalgs) {
    const mean = kernelMatrix(model, samplesOf(inputs, c.inputDim), null, linalg, 'mean');
    assert.ok(relativeMaxError(mean, expected) <= TOLERANCE, name);
  }
});

test('the cross-kernel Θ(X, Y) is the matching block of Θ over X ∪ Y', async () => {
  const { linalgs } = await testLinalgs();
  const c = kernelCases().find((k) => k.name === 'deep_tanh')!;
  const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
  const d = c.inputDim;
  const n = c.samples;
  const split = 15;
  for (const { name, linalg } of linalgs) {
    const full = kernelMatrix(model, samplesOf(inputs, d), null, linalg);
    const x = samplesOf(inputs.subarray(0, split * d), d);
    const y = samplesOf(inputs.subarray(split * d), d);
    const cross = kernelMatrix(model, x, y, linalg);
    const block = new Float32Array(split * (n - split));
    for (let i = 0; i < split; i++) for (let j = split; j < n; j++) block[i * (n - split) + j - split] = full[i * n + j];
    assert.ok(relativeMaxError(cross, block) <= TOLERANCE, name);
    assert.ok(relativeMaxError(naiveKernel(model, x, y, linalg), block) <= TOLERANCE, name);
  }
});
