import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activateBackend } from '../src/kernel/backend';
import { naiveKernel } from '../src/kernel/naive';
import { structuredKernel } from '../src/kernel/structured';
import { seededModelAndInputs } from '../src/model/mlp';
import { caseShape, kernelCases, loadCaseArray, relativeMaxError } from './helpers';

const TOLERANCE = 1e-5;

for (const backend of ['wasm', 'cpu'] as const) {
  test(`kernels on the ${backend} backend`, async (t) => {
    assert.equal(await activateBackend(backend), backend);
    for (const c of kernelCases()) {
      await t.test(`${c.name}: structured and naive match PyTorch's kernel to ${TOLERANCE} relative`, () => {
        const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
        const x = { values: inputs, count: c.samples };
        const expected = loadCaseArray(c, 'kernel.npy');
        const structured = structuredKernel(model, x);
        const naive = naiveKernel(model, x);
        assert.ok(relativeMaxError(structured, expected) <= TOLERANCE, `structured: ${relativeMaxError(structured, expected)}`);
        assert.ok(relativeMaxError(naive, expected) <= TOLERANCE, `naive: ${relativeMaxError(naive, expected)}`);
        assert.ok(relativeMaxError(structured, naive) <= TOLERANCE, `structured vs naive: ${relativeMaxError(structured, naive)}`);
      });
    }
  });
}

test('the seed case matches the literal float32 output of the seed script', async () => {
  await activateBackend('wasm');
  const c = kernelCases().find((k) => k.name === 'seed')!;
  const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
  const kernel = structuredKernel(model, { values: inputs, count: c.samples });
  assert.ok(relativeMaxError(kernel, loadCaseArray(c, 'kernel_float32.npy')) <= TOLERANCE);
});

test("trace 'mean' divides the summed kernel by the number of outputs", async () => {
  await activateBackend('wasm');
  const c = kernelCases().find((k) => k.outputDim === 3)!;
  const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
  const x = { values: inputs, count: c.samples };
  const mean = structuredKernel(model, x, null, { trace: 'mean' });
  const expected = loadCaseArray(c, 'kernel.npy').map((v) => v / 3);
  assert.ok(relativeMaxError(mean, expected) <= TOLERANCE);
});

test('the cross-kernel Θ(X, Y) is the matching block of Θ over X ∪ Y', async () => {
  await activateBackend('wasm');
  const c = kernelCases().find((k) => k.name === 'deep_tanh')!;
  const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
  const d = c.inputDim;
  const n = c.samples;
  const split = 15;
  const full = structuredKernel(model, { values: inputs, count: n });
  const x = { values: inputs.subarray(0, split * d), count: split };
  const y = { values: inputs.subarray(split * d), count: n - split };
  const cross = structuredKernel(model, x, y);
  const block = new Float32Array(split * (n - split));
  for (let i = 0; i < split; i++) for (let j = split; j < n; j++) block[i * (n - split) + j - split] = full[i * n + j];
  assert.ok(relativeMaxError(cross, block) <= TOLERANCE);
  assert.ok(relativeMaxError(naiveKernel(model, x, y), block) <= TOLERANCE);
});
