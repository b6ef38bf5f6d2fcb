/**
 * The WebGPU path: every PyTorch fixture computed on a WebGPU adapter (in CI
 * the software one, Mesa's lavapipe, which .ci/setup installs) to 1e-4, tiles
 * cut by the adapter's binding limit and mirrored, cross-kernels, and the CLI
 * reporting the adapter. Skipped, with the reason, only where no adapter can
 * be had (no `webgpu` package, or no Vulkan driver Dawn accepts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { kernelMatrix } from '../src/kernel/matrix';
import { structuredKernelOnDevice } from '../src/kernel/onDevice';
import { MatrixSink } from '../src/kernel/sink';
import { blas } from '../src/linalg';
import { parseNpy } from '../src/io/npy';
import { seededModelAndInputs, type Mlp } from '../src/model/mlp';
import { activateWebGpu, probeWebGpu, releaseWebGpu } from '../src/tfjs/webgpu';
import type { Samples } from '../src/types';
import { caseShape, kernelCases, loadCaseArray, relativeMaxError, runCli, samplesOf, tempDir } from './helpers';

const TOLERANCE = 1e-4;

async function adapterOrReason(): Promise<string | null> {
  const adapter = await probeWebGpu();
  return 'reason' in adapter ? adapter.reason : null;
}

async function onDevice(model: Mlp, x: Samples, y: Samples | null, maxBindingBytes?: number): Promise<Float32Array> {
  const { tf, adapter } = await activateWebGpu();
  const sink = new MatrixSink(x.count, y ? y.count : x.count);
  await structuredKernelOnDevice(tf, model, x, y, sink, { tile: 4096, maxBindingBytes: maxBindingBytes ?? adapter.maxStorageBufferBindingSize });
  return sink.matrix;
}

test('every PyTorch fixture on --backend webgpu, to 1e-4', async (t) => {
  const missing = await adapterOrReason();
  if (missing) {
    t.skip(`no WebGPU adapter: ${missing}`);
    return;
  }
  try {
    for (const c of kernelCases()) {
      const { model, inputs } = seededModelAndInputs(caseShape(c), c.samples, c.seed);
      const kernel = await onDevice(model, samplesOf(inputs, c.inputDim), null);
      const error = relativeMaxError(kernel, loadCaseArray(c, 'kernel.npy'));
      t.diagnostic(`${c.name}: ${error.toExponential(2)}`);
      assert.ok(error <= TOLERANCE, `${c.name}: ${error}`);
    }
  } finally {
    releaseWebGpu(require('@tensorflow/tfjs'));
  }
});

test('tiles cut by a small binding limit, mirrored, and cross-kernels match the host', async (t) => {
  const missing = await adapterOrReason();
  if (missing) {
    t.skip(`no WebGPU adapter: ${missing}`);
    return;
  }
  const loaded = blas(1);
  if (!('linalg' in loaded)) {
    t.skip(`the host reference needs OpenBLAS: ${loaded.reason}`);
    return;
  }
  try {
    const shape = { inputDim: 12, width: 40, depth: 2, outputDim: 2, activation: 'tanh', parameterization: 'ntk' as const };
    const { model, inputs } = seededModelAndInputs(shape, 150, 3n);
    const x = samplesOf(inputs, 12);
    const y = samplesOf(inputs.slice(0, 70 * 12), 12);
    // 64·64 floats per binding: 64-row blocks, so 3 × 3 tiles with mirrored ones, and an uneven last block.
    const small = 64 * 64 * 4;
    const symmetric = await onDevice(model, x, null, small);
    assert.ok(relativeMaxError(symmetric, kernelMatrix(model, x, null, loaded.linalg)) <= TOLERANCE);
    const cross = await onDevice(model, x, y, small);
    assert.ok(relativeMaxError(cross, kernelMatrix(model, x, y, loaded.linalg)) <= TOLERANCE);
  } finally {
    releaseWebGpu(require('@tensorflow/tfjs'));
  }
});

test('kernel --backend webgpu writes the seed kernel and names the adapter in --json', async (t) => {
  const missing = await adapterOrReason();
  releaseWebGpu();
  if (missing) {
    t.skip(`no WebGPU adapter: ${missing}`);
    return;
  }
  const out = path.join(tempDir(), 'k.npy');
  const run = runCli(['kernel', '--backend', 'webgpu', '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.backend, 'webgpu');
  assert.equal(typeof report.adapter.description, 'string');
  assert.equal(typeof report.adapter.fallback, 'boolean');
  const kernel = parseNpy(fs.readFileSync(out)).data;
  assert.ok(relativeMaxError(kernel, loadCaseArray('seed', 'kernel.npy')) <= TOLERANCE);
});

test('--backend webgpu with no adapter exits 1, its last line saying what was found', () => {
  // No Vulkan driver: Dawn finds no adapter (it may print its own warnings before).
  const run = runCli(['kernel', '--backend', 'webgpu', '--out', path.join(tempDir(), 'never.npy')], { env: { VK_ICD_FILENAMES: '/nonexistent.json', VK_DRIVER_FILES: '/nonexistent.json' } });
  assert.equal(run.status, 1);
  const last = run.stderr.trim().split('\n').pop()!;
  assert.match(last, /^ntk-cli: error: --backend webgpu: (Dawn found no WebGPU adapter|the optional package 'webgpu' is not installed|no WebGPU adapter)/);
});

test('--backend webgpu --quiet prints nothing: the driver\'s own warnings are silenced (--debug shows them)', async (t) => {
  const missing = await adapterOrReason();
  releaseWebGpu();
  if (missing) {
    t.skip(`no WebGPU adapter: ${missing}`);
    return;
  }
  const out = path.join(tempDir(), 'q.npy');
  const quiet = runCli(['kernel', '--backend', 'webgpu', '--quiet', '--out', out]);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.stdout, '');
  const plain = runCli(['kernel', '--backend', 'webgpu', '--out', out]);
  assert.doesNotMatch(plain.stderr, /Warning:/, 'the summary alone, without the driver');
});
