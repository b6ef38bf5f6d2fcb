/**
 * The native helper's element-wise passes (relu, an activation's backward
 * pass, a kernel tile's combination and mirror) against the JavaScript loops
 * they replace: the same bits, the same statistics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MatrixSink } from '../src/kernel/sink';
import { runTiles, structuredKernel, useJavaScriptTiles } from '../src/kernel/structured';
import { openLinalg } from '../src/linalg';
import { parseArchSpec } from '../src/model/archSpec';
import { initMlp } from '../src/model/mlp';
import { buildNetwork } from '../src/model/network';
import { TorchGenerator } from '../src/model/torchRandom';
import { nativeFor, nativeHelpers } from '../src/native';
import { bitDifferences, samplesOf } from './helpers';

const native = nativeHelpers();
const skipWithout = (name: keyof NonNullable<typeof native>) => (typeof native?.[name] === 'function' ? false : 'the native helper is not built here: the JavaScript loops run');

test('native relu gives max(0, z) and its 0/1 derivative, NaN, ±0 and ±Inf included, also in place', { skip: skipWithout('reluMap') }, () => {
  const g = new TorchGenerator(3);
  const z = g.randn(10007);
  z.set([NaN, -0, 0, Infinity, -Infinity, 1e-45, -1e-45], 0);
  const out = new Float32Array(z.length);
  const derivative = new Float32Array(z.length);
  native!.reluMap(z, out, derivative);
  const expectedOut = z.map((v) => (v > 0 ? v : 0));
  const expectedDerivative = z.map((v) => (v > 0 ? 1 : 0));
  assert.equal(bitDifferences(out, expectedOut), 0);
  assert.equal(bitDifferences(derivative, expectedDerivative), 0);
  // The layer passes z's own storage as the derivative.
  const inPlace = Float32Array.from(z);
  const out2 = new Float32Array(z.length);
  native!.reluMap(inPlace, out2, inPlace);
  assert.equal(bitDifferences(out2, expectedOut), 0);
  assert.equal(bitDifferences(inPlace, expectedDerivative), 0);
  assert.throws(() => native!.reluMap(z, new Float32Array(3), derivative), /at least as long/);
});

test('native scaleRows multiplies every row by the shared row', { skip: skipWithout('scaleRows') }, () => {
  const g = new TorchGenerator(4);
  const [rows, cols] = [37, 53];
  const row = g.randn(cols);
  const d = g.randn(rows * cols);
  d.set([NaN, -0, 0, Infinity, -Infinity, 3e38], 0);
  row.set([2, 2, -1, 0, 1, 2], 0);
  const out = new Float32Array(rows * cols);
  native!.scaleRows(row, d, out);
  const expected = d.map((v, k) => row[k % cols] * v);
  assert.equal(bitDifferences(out, expected), 0);
  // In place, as the last backward pass writes into φ′'s storage.
  const inPlace = Float32Array.from(d);
  native!.scaleRows(row, inPlace, inPlace);
  assert.equal(bitDifferences(inPlace, expected), 0);
  assert.throws(() => native!.scaleRows(row, g.randn(rows * cols + 1), new Float32Array(rows * cols + 1)), /whole number of rows/);
});

/** A helper built by an older ntk-cli has other tile passes, which the kernel then leaves unused (its JavaScript loops run): these tests would compare JavaScript with itself. */
const STALE_HELPER = 'the native helper predates these tile passes: rebuild it (cd native && npx node-gyp rebuild)';

test('native tile passes give the JavaScript passes\' kernels bit for bit, with the same range, trace and non-finite count', { skip: skipWithout('combineTile') }, async () => {
  assert.equal(native!.tilePasses, 2, STALE_HELPER);
  const { linalg } = await openLinalg('auto', 1, 'auto');
  // Loaded above: the tiles below (64² cells, under nativeFor's threshold) take its passes unless switched off.
  assert.ok(nativeFor(1), 'the native helper is loaded');
  const mlp = (shape: Parameters<typeof initMlp>[0]) => (g: TorchGenerator) => initMlp(shape, g);
  const cnn = (arch: string) => (g: TorchGenerator) => buildNetwork(parseArchSpec(arch) as never, [2, 6, 6], { parameterization: 'ntk' as const, sigmaW: 1.3, sigmaB: 0.2 }, g);
  const cases = [
    // A sample on each side overflows float32 in the products: non-finite values in diagonal and off-diagonal tiles.
    { name: 'relu, one output', overflow: true, inputDim: 9, network: mlp({ inputDim: 9, width: 40, depth: 1, outputDim: 1, activation: 'relu', parameterization: 'standard' }) },
    { name: 'tanh, three hidden layers, two outputs, NTK parameters', overflow: false, inputDim: 5, network: mlp({ inputDim: 5, width: 24, depth: 3, outputDim: 2, activation: 'tanh', parameterization: 'ntk', sigmaW: 1.4, sigmaB: 0.3 }) },
    // The last term a gram term (the finishing pass alone): a convolution, and a network of one dense layer.
    { name: 'a CNN, two outputs', overflow: false, inputDim: 72, network: cnn('conv:3:3,relu,flatten,dense:2') },
    { name: 'one dense layer', overflow: true, inputDim: 7, network: mlp({ inputDim: 7, width: 1, depth: 0, outputDim: 3, activation: 'relu', parameterization: 'standard' }) },
  ];
  for (const { name, network, inputDim, overflow } of cases) {
    const g = new TorchGenerator(11);
    const model = network(g);
    const xData = g.randn(230 * inputDim);
    if (overflow) xData.fill(1e20, 17 * inputDim, 18 * inputDim);
    const x = samplesOf(xData, inputDim);
    const yData = g.randn(150 * inputDim);
    // In x's direction: their products overflow where both are active (opposite ones share no active unit, and their term is 0).
    if (overflow) yData.fill(1e20, 101 * inputDim, 102 * inputDim);
    const y = samplesOf(yData, inputDim);
    for (const [second, cols] of [[null, 230], [y, 150]] as const) {
      for (const trace of ['sum', 'mean'] as const) {
        const run = (javaScript: boolean) => {
          useJavaScriptTiles(javaScript);
          try {
            const sink = new MatrixSink(230, cols);
            // Tile 64: diagonal, off-diagonal and ragged tiles.
            const { stats } = runTiles(structuredKernel(model, x, second, linalg, sink, { tile: 64, trace }));
            return { matrix: sink.matrix, stats };
          } finally {
            useJavaScriptTiles(false);
          }
        };
        const [fast, plain] = [run(false), run(true)];
        const label = `${name}, ${cols} columns, ${trace}`;
        assert.equal(bitDifferences(fast.matrix, plain.matrix), 0, label);
        assert.deepEqual(fast.stats, plain.stats, label);
        assert.equal(plain.stats.nonFinite > 0, overflow, `${label}: non-finite values where a sample overflows`);
        assert.ok(Number.isFinite(plain.stats.max) && plain.stats.max > 0, label);
      }
    }
  }
});

test("tile passes on several threads give one thread's kernel bit for bit, with the same range and non-finite count", { skip: skipWithout('combineTile') }, async () => {
  assert.equal(native!.tilePasses, 2, STALE_HELPER);
  const { linalg } = await openLinalg('auto', 1, 'auto');
  const g = new TorchGenerator(5);
  const model = initMlp({ inputDim: 6, width: 48, depth: 2, outputDim: 1, activation: 'relu', parameterization: 'standard' }, g);
  const xData = g.randn(700 * 6);
  xData.fill(1e20, 3 * 6, 4 * 6); // a sample that overflows float32 in the products, in the top band of rows
  const x = samplesOf(xData, 6);
  const yData = g.randn(600 * 6);
  yData.fill(-1e20, 500 * 6, 501 * 6);
  const y = samplesOf(yData, 6);
  // One tile of 700 × 700 (or 700 × 600): over the cells from which the passes start threads.
  for (const [second, cols] of [[null, 700], [y, 600]] as const) {
    const run = (threads: number, javaScript = false) => {
      useJavaScriptTiles(javaScript);
      try {
        const sink = new MatrixSink(700, cols);
        const { stats } = runTiles(structuredKernel(model, x, second, { ...linalg, threads }, sink, { tile: 700 }));
        return { matrix: sink.matrix, stats };
      } finally {
        useJavaScriptTiles(false);
      }
    };
    const one = run(1);
    assert.ok(one.stats.nonFinite > 0 && Number.isFinite(one.stats.max));
    for (const other of [run(2), run(3), run(7), run(2, true)]) {
      assert.equal(bitDifferences(other.matrix, one.matrix), 0, `${cols} columns`);
      assert.deepEqual(other.stats, one.stats, `${cols} columns`);
    }
  }
});

test('inputs that overflow float32 on a saturating activation leave the kernel finite: their gradients are 0', async () => {
  const { linalg } = await openLinalg('auto', 1, 'auto');
  const g = new TorchGenerator(3);
  const model = initMlp({ inputDim: 3, width: 64, depth: 1, outputDim: 1, activation: 'tanh', parameterization: 'standard' }, g);
  const xData = g.randn(300 * 3);
  // s2·‖a‖² and a·a′ past float32's range; tanh′ there is 0.
  xData.set([1e20, -3e19, 2e19], 7 * 3);
  xData.set([2e20, -1e19, 1e19], 200 * 3);
  const x = samplesOf(xData, 3);
  const kernels = [false, true].map((javaScript) => {
    useJavaScriptTiles(javaScript);
    try {
      const sink = new MatrixSink(300, 300);
      // One tile of 300² (over the threshold at which the native passes load), and tiles of 64.
      return [300, 64].map((tile) => ({ stats: runTiles(structuredKernel(model, x, null, linalg, sink, { tile })).stats, matrix: Float32Array.from(sink.matrix) }));
    } finally {
      useJavaScriptTiles(false);
    }
  });
  for (const { stats, matrix } of kernels.flat()) {
    assert.equal(stats.nonFinite, 0);
    assert.ok(matrix.every(Number.isFinite));
  }
  for (const t of [0, 1]) assert.equal(bitDifferences(kernels[0][t].matrix, kernels[1][t].matrix), 0);
});
