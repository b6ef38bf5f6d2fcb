/** Numerical edge cases: each gives a finite kernel, or a clear error when float32 cannot hold it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { TorchGenerator } from '../src/model/torchRandom';
import { FIXTURES, runCli, tempDir } from './helpers';

const dir = tempDir();
const x = new TorchGenerator(4).randn(6 * 20);
const inputsFile = (name: string, values: Float32Array, rows = 6) => {
  const file = path.join(dir, `${name}.npy`);
  fs.writeFileSync(file, encodeNpy(values, [rows, values.length / rows]));
  return file;
};

function kernelOf(args: string[]): { values: Float32Array | Float64Array; shape: number[] } {
  const out = path.join(dir, `k-${Math.random().toString(36).slice(2)}.npy`);
  const run = runCli(['kernel', ...args, '--out', out]);
  assert.equal(run.status, 0, run.stderr);
  const array = parseNpy(fs.readFileSync(out));
  assert.ok(array.data.every(Number.isFinite), `${args.join(' ')}: non-finite entries`);
  return { values: array.data, shape: array.shape };
}

test("one sample gives a 1×1 kernel: PyTorch's squared gradient norm of that sample", () => {
  assert.deepEqual(kernelOf(['--samples', '1']).shape, [1, 1]);
  // The seed network and its first input, as PyTorch saved them; PyTorch's K[0, 0] is |∂f(x₀)/∂θ|².
  const fixture = path.join(FIXTURES, 'weights', 'seed_net_f32');
  const first = parseNpy(fs.readFileSync(path.join(fixture, 'inputs.npy'))).data.subarray(0, 20);
  const k = kernelOf(['--weights', path.join(fixture, 'model.safetensors'), '--activation', 'relu', '--inputs', inputsFile('first', Float32Array.from(first), 1)]);
  assert.deepEqual(k.shape, [1, 1]);
  const expected = parseNpy(fs.readFileSync(path.join(fixture, 'kernel.npy'))).data[0];
  assert.ok(Math.abs(k.values[0] - expected) <= 1e-5 * expected, `${k.values[0]} vs ${expected}`);
});

test('duplicate inputs give identical rows and columns', () => {
  const dup = new Float32Array(6 * 20);
  for (let i = 0; i < 6; i++) dup.set(x.subarray(0, 20), i * 20);
  const k = kernelOf(['--inputs', inputsFile('dup', dup)]);
  for (let i = 0; i < 36; i++) assert.equal(k.values[i], k.values[0]);
});

test('all-zero inputs and inputs scaled by 1e-20 give finite kernels (only the biases matter)', () => {
  const zero = kernelOf(['--inputs', inputsFile('zero', new Float32Array(6 * 20))]);
  const tiny = kernelOf(['--inputs', inputsFile('tiny', x.map((v) => v * 1e-20))]);
  for (let i = 0; i < 36; i++) assert.ok(Math.abs(tiny.values[i] - zero.values[i]) <= 1e-6 * Math.abs(zero.values[i]) + 1e-12);
});

test('inputs scaled by 1e20 overflow float32: a clear error, exit 1, no file', () => {
  const out = path.join(dir, 'huge.npy');
  const run = runCli(['kernel', '--inputs', inputsFile('huge-inputs', x.map((v) => v * 1e20)), '--out', out]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^ntk-cli: error: the kernel has \d+ non-finite entries: float32 overflowed \(largest \|input\| [\d.]+e\+20\)/);
  assert.equal(fs.existsSync(out), false);
});

test('depth 10 and width 1 give finite kernels', () => {
  assert.deepEqual(kernelOf(['--depth', '10', '--samples', '12']).shape, [12, 12]);
  assert.deepEqual(kernelOf(['--width', '1', '--samples', '12']).shape, [12, 12]);
  assert.deepEqual(kernelOf(['--width', '1', '--depth', '10', '--activation', 'tanh', '--samples', '12']).shape, [12, 12]);
});
