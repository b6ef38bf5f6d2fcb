/**
 * Convolutional networks (--arch): the empirical NTK against PyTorch's
 * per-sample-gradient kernel (fixtures/cnn/, fixtures/make_cnn_fixtures.py),
 * the infinite-width kernels against a plain NumPy recursion, wide networks
 * approaching them, and the flags around them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNpy } from '../src/io/npy';
import { parseSafetensors } from '../src/io/safetensors';
import { kindOf } from '../src/layers';
import { col2im, col2imJs, im2col, im2colJs, type PatchGeometry } from '../src/layers/patches';
import { nativeHelpers } from '../src/native';
import { fullOutputKernel } from '../src/kernel/fullOutputs';
import { parseArchSpec } from '../src/model/archSpec';
import { buildNetwork } from '../src/model/network';
import { forward } from '../src/model/forward';
import { TorchGenerator } from '../src/model/torchRandom';
import { trainFullBatch } from '../src/model/train';
import { samplesView } from '../src/types';
import { FIXTURES, kernelOf, npyValues, relativeMaxError, runCli, tempDir, testLinalgs } from './helpers';

const CNN = path.join(FIXTURES, 'cnn');

interface CnnCase {
  name: string;
  arch: string;
  input_shape: number[];
  samples: number;
  seed: number;
  parameterization: 'standard' | 'ntk';
  sigma_w: number | null;
  sigma_b: number | null;
  outputs: number;
  inputs?: string;
}

function cnnCase(name: string): CnnCase {
  return JSON.parse(fs.readFileSync(path.join(CNN, name, 'case.json'), 'utf8'));
}

function load(name: string, file: string): Float32Array | Float64Array {
  return npyValues(path.join(CNN, name, file));
}

const FINITE = ['tutorial', 'same_tanh_pool_gap', 'maxpool_stride', 'weights'];
const INFINITE = ['cntk_flatten_relu', 'cntk_valid_stride_erf', 'cntk_pool_gap_relu', 'cntk_leading_pool_gap_erf'];
const dir = tempDir('ntk-cli-cnn-');

/** The flags that build a fixture's network (its parameterization and scales). */
function networkFlags(c: CnnCase): string[] {
  const flags = ['--arch', c.arch, '--parameterization', c.parameterization, '--seed', String(c.seed)];
  if (c.parameterization === 'ntk') flags.push('--sigma-w', String(c.sigma_w), '--sigma-b', String(c.sigma_b));
  return flags;
}

for (const name of FINITE) {
  const c = cnnCase(name);
  const shape = c.input_shape.join('x');

  test(`${name}: parameters (and random inputs) drawn bit for bit as PyTorch draws them`, () => {
    const generator = new TorchGenerator(c.seed);
    const options = { parameterization: c.parameterization, sigmaW: c.sigma_w ?? 1, sigmaB: c.sigma_b ?? 1 };
    const network = buildNetwork(parseArchSpec(c.arch) as never, c.input_shape, options, generator);
    const tensors = network.layers.flatMap((layer) => kindOf(layer).parameters(layer));
    assert.equal(tensors.length % 2, 0);
    tensors.forEach((tensor, t) => {
      const expected = load(name, `param${Math.floor(t / 2)}.${tensor.name}.npy`);
      assert.deepEqual(Array.from(tensor.data), Array.from(expected), `param${Math.floor(t / 2)}.${tensor.name}`);
    });
    if (c.inputs === undefined) {
      const inputs = generator.randn(c.samples * c.input_shape.reduce((a, b) => a * b, 1));
      assert.deepEqual(Array.from(inputs), Array.from(load(name, 'inputs.npy')), 'inputs');
    }
  });

  test(`${name}: the kernel, traced and over outputs, equals PyTorch's per-sample-gradient kernel to 1e-5`, () => {
    // Random inputs are drawn by ntk-cli from the seed; the digits case reads the images PyTorch was given.
    const source = c.inputs === undefined ? ['--samples', String(c.samples), '--input-shape', shape] : ['--inputs', path.join(CNN, name, 'inputs.npy'), '--input-shape', shape];
    const traced = kernelOf([...networkFlags(c), ...source], path.join(dir, `${name}-sum.npy`));
    assert.ok(relativeMaxError(traced, load(name, 'kernel.npy')) < 1e-5, `traced: ${relativeMaxError(traced, load(name, 'kernel.npy'))}`);
    const whole = kernelOf([...networkFlags(c), ...source, '--trace', 'none'], path.join(dir, `${name}-none.npy`));
    assert.ok(relativeMaxError(whole, load(name, 'kernel_full.npy')) < 1e-5, `whole: ${relativeMaxError(whole, load(name, 'kernel_full.npy'))}`);
  });
}

test('maxpool_stride: --dataset digits enters as 1×28×28 images, as the fixture gave them to PyTorch', () => {
  const c = cnnCase('maxpool_stride');
  const kernel = kernelOf([...networkFlags(c), '--dataset', 'digits', '--samples', '7'], path.join(dir, 'digits.npy'));
  assert.ok(relativeMaxError(kernel, load('maxpool_stride', 'kernel.npy')) < 1e-5);
});

test('4-D .npy inputs (n, C, H, W) give their own shape; --weights loads a PyTorch state dict of an nn.Sequential CNN', () => {
  const c = cnnCase('weights');
  const weights = path.join(CNN, 'weights', 'model.safetensors');
  const inputs = path.join(CNN, 'weights', 'inputs.npy');
  assert.deepEqual(parseNpy(fs.readFileSync(inputs)).shape, [5, 1, 9, 9]);
  // Another seed: every parameter comes from the file.
  const kernel = kernelOf(['--arch', c.arch, '--weights', weights, '--inputs', inputs, '--seed', '99', '--trace', 'none'], path.join(dir, 'weights.npy'));
  assert.ok(relativeMaxError(kernel, load('weights', 'kernel_full.npy')) < 1e-5);
  const wrong = runCli(['kernel', '--arch', c.arch.replace('conv:4:3:same', 'conv:5:3:same'), '--weights', weights, '--inputs', inputs, '--out', path.join(dir, 'never.npy')]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /--weights .*model\.safetensors.*\[4, 4, 3, 3\]/);
  assert.equal(wrong.stderr.trim().split('\n').length, 1);
  assert.ok(!fs.existsSync(path.join(dir, 'never.npy')));
});

test('--save-model writes the --arch network with its spec; --weights reads it back without --arch to the same kernel', () => {
  const model = path.join(dir, 'cnn.safetensors');
  const inputs = path.join(dir, 'cnn-inputs.npy');
  const first = kernelOf(['--arch', 'conv:W:3:same,tanh,avgpool:2,conv:W:3,relu,gap,dense:2', '--width', '6', '--input-shape', '2x8x8', '--samples', '9', '--save-model', model, '--save-inputs', inputs], path.join(dir, 'first.npy'));
  const { metadata, tensors } = parseSafetensors(fs.readFileSync(model));
  assert.equal(metadata.arch, 'conv:W:3:same,tanh,avgpool:2,conv:W:3,relu,gap,dense:2');
  assert.equal(metadata.width, '6');
  assert.equal(metadata.input_shape, '2x8x8');
  assert.deepEqual(tensors.get('conv1.weight')?.shape, [6, 2, 3, 3], [...tensors.keys()].join(' '));
  assert.deepEqual(parseNpy(fs.readFileSync(inputs)).shape, [9, 2, 8, 8]);
  const again = kernelOf(['--weights', model, '--inputs', inputs, '--seed', '5'], path.join(dir, 'again.npy'));
  assert.deepEqual(Array.from(again), Array.from(first));
});

test('--method naive (TensorFlow.js autodiff, one gradient per sample) agrees with the structured CNN kernel', () => {
  const c = cnnCase('same_tanh_pool_gap');
  const args = [...networkFlags(c), '--samples', String(c.samples), '--input-shape', c.input_shape.join('x'), '--trace', 'none', '--method', 'naive'];
  const naive = kernelOf(args, path.join(dir, 'naive.npy'));
  assert.ok(relativeMaxError(naive, load(c.name, 'kernel_full.npy')) < 1e-5, `${relativeMaxError(naive, load(c.name, 'kernel_full.npy'))}`);
});

for (const name of INFINITE) {
  test(`${name}: the infinite-width NTK and NNGP equal the NumPy recursion to 1e-6`, () => {
    const c = cnnCase(name);
    const args = ['--arch', c.arch, '--width', 'inf', '--parameterization', 'ntk', '--sigma-w', String(c.sigma_w), '--sigma-b', String(c.sigma_b), '--inputs', path.join(CNN, name, 'inputs.npy'), '--dtype', 'float64'];
    for (const kind of ['ntk', 'nngp']) {
      const kernel = kernelOf([...args, '--kernel', kind], path.join(dir, `${name}-${kind}.npy`));
      assert.ok(relativeMaxError(kernel, load(name, `${kind}.npy`)) < 1e-6, `${kind}: ${relativeMaxError(kernel, load(name, `${kind}.npy`))}`);
    }
  });
}

test('converge: wide CNNs approach the CNTK with a fitted slope near −1/2', () => {
  const run = runCli(['converge', '--arch', 'conv:W:3:same,relu,conv:W:3:same,relu,flatten,dense:1', '--input-shape', '1x6x6', '--samples', '8', '--widths', '16,64,256', '--seeds', '16', '--out', path.join(dir, 'converge.png'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.ok(report.mean[2] < report.mean[0] / 3, `${report.mean}`);
  assert.ok(report.slope > -0.75 && report.slope < -0.35, `slope ${report.slope}`);
});

test('a gradient-descent step of a CNN moves its outputs by −η·Θ·(f − y)/n, the kernel it reports', async () => {
  // OpenBLAS where the binding loads, else TensorFlow.js's cpu backend.
  const { linalgs } = await testLinalgs(['cpu']);
  const linalg = linalgs[0]!.linalg;
  const n = 6;
  const generator = new TorchGenerator(3);
  const options = { parameterization: 'ntk' as const, sigmaW: 1.4, sigmaB: 0.3 };
  const network = buildNetwork(parseArchSpec('conv:8:3:same,tanh,avgpool:2,conv:8:3:s2,relu,flatten,dense:1') as never, [2, 8, 8], options, generator);
  const inputs = { values: generator.randn(n * 128), count: n, dim: 128 };
  const targets = { data: generator.randn(n), rows: n, cols: 1 };
  const kernel = fullOutputKernel(network, inputs, null, linalg);
  const before = forward(network, samplesView(inputs), linalg).output.data.slice();
  const eta = 1e-3;
  trainFullBatch(network, inputs, targets, 1, eta, linalg);
  const after = forward(network, samplesView(inputs), linalg).output.data;
  const moved = Array.from(after, (f, i) => f - before[i]);
  const predicted = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += kernel[i * n + j] * (before[j] - targets.data[j]);
    return (-eta * s) / n;
  });
  // First order in η: what is left is O(η²) and float32 rounding of f.
  assert.ok(relativeMaxError(moved, predicted) < 2e-2, `${relativeMaxError(moved, predicted)}`);
});

test('patches (im2col) and their gradient (col2im) follow the definition, and the native helper gives the same bits', (t) => {
  const generator = new TorchGenerator(11);
  const native = typeof nativeHelpers()?.im2col === 'function';
  if (!native) t.diagnostic('the native helper is not built here: only the JavaScript patches are checked');
  for (const [channels, height, width, k, stride, pad] of [[1, 5, 5, 3, 1, 0], [2, 6, 7, 3, 1, 1], [3, 7, 6, 3, 2, 1], [2, 5, 5, 1, 1, 0], [1, 8, 8, 5, 2, 2], [2, 4, 4, 4, 2, 0]]) {
    const outHeight = Math.floor((height + 2 * pad - k) / stride) + 1;
    const outWidth = Math.floor((width + 2 * pad - k) / stride) + 1;
    const g: PatchGeometry = { channels, height, width, k, stride, pad, outHeight, outWidth };
    const size = channels * height * width;
    const rows = channels * k * k;
    const pixels = outHeight * outWidth;
    const x = generator.randn(2 * size);
    const pixel = (c: number, y: number, xx: number) => (y < 0 || y >= height || xx < 0 || xx >= width ? 0 : x[size + (c * height + y) * width + xx]);
    const patches = new Float32Array(rows * pixels);
    im2colJs(g, x, 1, patches, 0.5);
    const gradient = generator.randn(rows * pixels);
    const back = new Float64Array(size);
    for (let c = 0; c < channels; c++) {
      for (let u = 0; u < k; u++) {
        for (let v = 0; v < k; v++) {
          for (let r = 0; r < outHeight; r++) {
            for (let q = 0; q < outWidth; q++) {
              const row = (c * k + u) * k + v;
              const [y, xx] = [r * stride + u - pad, q * stride + v - pad];
              assert.equal(patches[row * pixels + r * outWidth + q], Math.fround(0.5 * pixel(c, y, xx)));
              if (y >= 0 && y < height && xx >= 0 && xx < width) back[(c * height + y) * width + xx] += gradient[row * pixels + r * outWidth + q];
            }
          }
        }
      }
    }
    const scattered = new Float32Array(2 * size);
    col2imJs(g, gradient, scattered, 1);
    assert.ok(relativeMaxError(scattered.subarray(size), back) < 1e-6, `col2im ${[channels, height, width, k, stride, pad]}`);
    assert.ok(scattered.subarray(0, size).every((v) => v === 0), 'col2im wrote outside its image');
    if (!native) continue;
    const nativePatches = new Float32Array(rows * pixels).fill(7);
    im2col(g, x, 1, nativePatches, 0.5);
    assert.deepEqual(nativePatches, patches);
    const nativeBack = new Float32Array(2 * size);
    col2im(g, gradient, nativeBack, 1);
    assert.deepEqual(nativeBack, scattered);
  }
});

const ERRORS: [string, string[], RegExp][] = [
  ['a convolution on random inputs without --input-shape', ['kernel', '--arch', 'conv:4:3,relu,flatten,dense:1'], /--arch .*conv:4:3 takes an image/],
  ['maxpool at infinite width', ['kernel', '--arch', 'conv:W:3,relu,maxpool:2,flatten,dense:1', '--input-shape', '1x8x8', '--width', 'inf', '--parameterization', 'ntk'], /maxpool has no closed form/],
  ['--depth with --arch', ['kernel', '--arch', 'dense:W,relu,dense:1', '--depth', '3'], /--depth belongs to the MLP shorthand/],
  ['--input-shape without --arch', ['kernel', '--input-shape', '1x4x4'], /--input-shape goes with --arch/],
  ['a layer ntk-cli does not know', ['kernel', '--arch', 'conv:4:3,softmax2d,flatten,dense:1', '--input-shape', '1x8x8'], /--arch .*'softmax2d' is not a layer/],
  ['a window larger than the image', ['kernel', '--arch', 'conv:4:9,relu,flatten,dense:1', '--input-shape', '1x5x5'], /--arch .*conv:4:9/],
  ['converge over an --arch without W', ['converge', '--arch', 'conv:4:3,relu,flatten,dense:1', '--input-shape', '1x6x6'], /--arch has no W/],
  ['--method naive on a CNN on the wasm backend', ['kernel', '--arch', 'conv:4:3,relu,flatten,dense:1', '--input-shape', '1x6x6', '--method', 'naive', '--backend', 'wasm', '--linalg', 'tfjs'], /--backend wasm: .*--backend cpu/],
  ['--method naive through a max pool on the wasm backend', ['kernel', '--arch', 'maxpool:2,flatten,dense:W,relu,dense:1', '--input-shape', '1x4x4', '--method', 'naive', '--backend', 'wasm', '--linalg', 'tfjs'], /--backend wasm: .*MaxPool's gradient/],
  ['images that do not match --input-shape', ['kernel', '--arch', 'conv:W:3,relu,flatten,dense:1', '--inputs', path.join(CNN, 'weights', 'inputs.npy'), '--input-shape', '1x8x8'], /--inputs .*9×9|81 values/],
];

test("--method naive through an ONNX graph with convolutions: auto keeps autodiff off the wasm backend, which is refused when asked for", () => {
  const model = path.join(FIXTURES, 'onnx', 'residual_opset13', 'model.onnx');
  const out = path.join(dir, 'naive-onnx.npy');
  const auto = runCli(['kernel', '--model', model, '--samples', '3', '--method', 'naive', '--out', out, '--json']);
  assert.equal(auto.status, 0, auto.stderr);
  assert.notEqual(JSON.parse(auto.stdout).backend, 'wasm');
  const wasm = runCli(['kernel', '--model', model, '--samples', '3', '--method', 'naive', '--backend', 'wasm', '--out', out]);
  assert.equal(wasm.status, 1, wasm.stderr);
  assert.match(wasm.stderr, /^ntk-cli: error: --backend wasm: TensorFlow\.js's wasm backend .*; use --backend cpu or auto\n$/);
});

for (const [what, args, message] of ERRORS) {
  test(`refused in one line: ${what}`, () => {
    const out = path.join(dir, args[0] === 'converge' ? 'refused.png' : 'refused.npy');
    const run = runCli([...args, '--out', out]);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.ok(!fs.existsSync(out));
  });
}

test("a network whose first layer hands its input on (flatten) leaves the caller's inputs as they were, pass after pass", async () => {
  const { linalgs } = await testLinalgs(['cpu']);
  const linalg = linalgs[0]!.linalg;
  const generator = new TorchGenerator(4);
  const network = buildNetwork(parseArchSpec('flatten,relu,dense:6,tanh,dense:1') as never, [2, 3, 3], { parameterization: 'standard', sigmaW: 1, sigmaB: 1 }, generator);
  const inputs = { values: generator.randn(5 * 18), count: 5, dim: 18 };
  const before = Float32Array.from(inputs.values);
  const first = forward(network, samplesView(inputs), linalg).output.data.slice();
  assert.deepEqual(inputs.values, before);
  // The relu after flatten kept φ′ in storage of its own: a second pass sees the same inputs and gives the same outputs.
  const second = forward(network, samplesView(inputs), linalg).output.data;
  assert.deepEqual(second, first);
});
