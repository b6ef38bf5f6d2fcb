/**
 * The middle layer by import: flags to a RunConfig, sources, the memory
 * estimate, tiles, block selection, formats, and the core's own checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Command } from 'commander';
import * as fs from 'node:fs';
import { selectBlock } from '../src/cli/blocks';
import { readFlagMatrix } from '../src/cli/matrices';
import { datasetSize } from '../src/data/datasets';
import { outputFormat } from '../src/cli/formats';
import { addOptions, MODEL_OPTIONS, RUNTIME_OPTIONS } from '../src/cli/options';
import { addSourceOptions, resolveSources } from '../src/cli/sources';
import { exitCodeOf, InputError, UsageError } from '../src/errors';
import { AnalyticKernelError, analyticKernels } from '../src/kernel/analytic';
import { cuts, tilePlan } from '../src/kernel/tiles';
import { computeNtk, estimateMemory, RunConfigError, runInputs } from '../src/pipeline';
import { FIXTURES, tempDir } from './helpers';

/** The flags of `kernel` parsed from `args`, resolved as the command resolves them. */
function resolve(args: string[]) {
  const command = addSourceOptions(addOptions(addOptions(new Command('kernel'), MODEL_OPTIONS), RUNTIME_OPTIONS)).exitOverride();
  command.parse(args, { from: 'user' });
  return resolveSources(command.opts(), command).config;
}

function resolveWithLabels(args: string[]) {
  const command = addSourceOptions(addOptions(addOptions(new Command('kernel'), MODEL_OPTIONS), RUNTIME_OPTIONS)).exitOverride();
  command.parse(args, { from: 'user' });
  return resolveSources(command.opts(), command);
}

const WEIGHTS = path.join(FIXTURES, 'weights', 'seed_net_f32');

test('flags become a RunConfig: the defaults are the seed', () => {
  const config = resolve([]);
  assert.deepEqual(config.network, {
    architecture: { input: [20], layers: [{ kind: 'dense', units: 'W' }, { kind: 'activation', name: 'relu' }, { kind: 'dense', units: 1 }] },
    width: { kind: 'finite', units: 10 },
    parameterization: 'standard',
    sigmaW: 1,
    sigmaB: 1,
  });
  assert.equal(config.samples, 100);
  assert.equal(config.seed, 0n);
  assert.equal(config.linalg, 'auto');
  assert.equal(config.model, undefined);
  const wide = resolve(['--width', 'inf', '--parameterization', 'ntk', '--sigma-b', '0.5', '--depth', '3']);
  assert.deepEqual(wide.network.width, { kind: 'infinite' });
  assert.equal(wide.network.sigmaB, 0.5);
});

test('--weights sets the sizes from the file; a contradicting flag is a UsageError, an agreeing one is not', () => {
  const config = resolve(['--weights', path.join(WEIGHTS, 'model.safetensors'), '--activation', 'relu', '--inputs', path.join(WEIGHTS, 'inputs.npy')]);
  assert.equal(config.model?.layers.filter((layer) => layer.kind === 'dense').length, 2);
  assert.deepEqual([config.network.architecture.input[0], config.network.width, config.network.architecture.layers.length], [20, { kind: 'finite', units: 10 }, 3]);
  assert.equal(config.inputs?.dim, 20);
  assert.equal(config.samples, config.inputs?.count);
  assert.doesNotThrow(() => resolve(['--weights', path.join(WEIGHTS, 'model.safetensors'), '--activation', 'relu', '--width', '10']));
  assert.throws(() => resolve(['--weights', path.join(WEIGHTS, 'model.safetensors'), '--width', '11']), (e) => e instanceof UsageError && /--width 11 contradicts/.test(e.message));
  assert.throws(() => resolve(['--weights', path.join(FIXTURES, 'nowhere.safetensors')]), (e) => e instanceof InputError && /no such file/.test(e.message));
});

test('generated inputs: circle:N on the circle in the network\'s input space (d = 20 by default), sphere:N drawn from the seed and normalised; datasets bring labels', async () => {
  const onCircle = resolve(['--inputs', 'circle:8']);
  assert.deepEqual(onCircle.network.architecture.input, [20], 'the default network keeps its input dimension');
  assert.ok(Math.abs(onCircle.inputs!.values[2 * 20] - Math.cos(Math.PI / 2)) < 1e-7 && onCircle.inputs!.values[2 * 20 + 1] === 1);
  assert.ok(onCircle.inputs!.values.subarray(2 * 20 + 2, 3 * 20).every((v) => v === 0), 'the other coordinates are 0');
  const wide = resolve(['--inputs', 'circle:8', '--input-dim', '5']);
  assert.deepEqual(Array.from(wide.inputs!.values.subarray(5, 10)), [Math.fround(Math.cos(Math.PI / 4)), Math.fround(Math.sin(Math.PI / 4)), 0, 0, 0]);
  const onSphere = resolve(['--inputs', 'sphere:6', '--input-dim', '3']);
  assert.equal(onSphere.normalizeInputs, true);
  const drawn = runInputs(onSphere);
  const plain = runInputs(resolve(['--samples', '6', '--input-dim', '3']));
  for (let i = 0; i < 6; i++) {
    const row = drawn.values.subarray(i * 3, i * 3 + 3);
    const raw = plain.values.subarray(i * 3, i * 3 + 3);
    const norm = Math.hypot(...raw);
    row.forEach((v, k) => assert.ok(Math.abs(v - raw[k] / norm) < 1e-6));
  }
  const iris = resolveWithLabels(['--dataset', 'iris']);
  assert.deepEqual([iris.config.inputs!.count, iris.config.inputs!.dim, iris.labels!.length], [150, 4, 150]);
  assert.equal(iris.dataset, 'iris');
  const column0 = Array.from({ length: 150 }, (_, i) => iris.config.inputs!.values[i * 4]);
  assert.ok(Math.abs(column0.reduce((a, b) => a + b, 0) / 150) < 1e-6, 'standardised: mean 0');
  assert.ok(Math.abs(column0.reduce((a, b) => a + b * b, 0) / 150 - 1) < 1e-5, 'standardised: variance 1');
  const digits = resolveWithLabels(['--dataset', 'digits', '--samples', '200']);
  const all = resolveWithLabels(['--dataset', 'digits', '--samples', `${datasetSize('digits')}`]).labels!;
  const count = (labels: string[], c: string) => labels.filter((l) => l === c).length;
  for (let c = 0; c <= 9; c++) {
    const share = (count(all, `${c}`) * 200) / all.length;
    assert.ok(Math.abs(count(digits.labels!, `${c}`) - share) < 1, `stratified: digit ${c}, ${count(digits.labels!, `${c}`)} for a share of ${share}`);
  }
  const again = resolveWithLabels(['--dataset', 'digits', '--samples', '200']).config.inputs!.values;
  assert.deepEqual(Array.from(again), Array.from(digits.config.inputs!.values), 'the same seed picks the same images');
  const otherSeed = resolveWithLabels(['--dataset', 'digits', '--samples', '200', '--seed', '1']).config.inputs!.values;
  assert.notDeepEqual(Array.from(otherSeed), Array.from(digits.config.inputs!.values), 'another seed picks others');
});

test('the memory estimate adds up its parts and grows with the kept matrix', () => {
  const config = resolve(['--samples', '3000', '--input-dim', '100', '--width', '512']);
  const streamed = estimateMemory(config, false, 'openblas');
  const kept = estimateMemory(config, true, 'openblas');
  assert.equal(streamed.total, Object.values(streamed.parts).reduce((a, b) => a + b, 0));
  assert.equal(kept.parts.kernel, 3000 * 3000 * 4);
  assert.equal(streamed.parts.kernel, undefined);
  // Factors: a_{l−1} and g_l per layer (100 + 512, then 512 + 1), plus two widest rows of forward-pass scratch.
  assert.equal(kept.parts.factors, 3000 * (100 + 512 + 512 + 1 + 2 * 512) * 4);
  // Tiles: three 1024² float32 buffers in memory, three 3000² ones (the whole kernel fits one 4096 tile) when streamed.
  assert.equal(kept.parts.tiles, 3 * 1024 * 1024 * 4);
  assert.equal(streamed.parts.tiles, 3 * 3000 * 3000 * 4);
  // Streamed in several 4096² tiles: two more while one is written in the background (a spare, a transposed copy).
  const large = estimateMemory(resolve(['--samples', '9000', '--input-dim', '100', '--width', '512']), false, 'openblas');
  assert.equal(large.parts.tiles, 5 * 4096 * 4096 * 4);
  // A task's share is written in place to its block files: no background tiles.
  const task = estimateMemory({ ...resolve(['--samples', '9000', '--input-dim', '100', '--width', '512']), tiles: [{ r0: 0, r1: 4096, c0: 0, c1: 4096 }] }, false, 'openblas');
  assert.equal(task.parts.tiles, 3 * 4096 * 4096 * 4);
  const analytic = estimateMemory(resolve(['--width', 'inf', '--parameterization', 'ntk', '--samples', '1000']), true, 'openblas');
  assert.equal(analytic.parts.kernel, 1000 * 1000 * 16);
});

test('tiles cover a kernel exactly once, counting mirror images of a symmetric one', () => {
  for (const [rows, cols, side, symmetric] of [[300, 300, 64, true], [1000, 1000, 1024, true], [300, 170, 64, false], [5000, 5000, 1024, true], [1, 1, 64, true]] as const) {
    const covered = new Uint8Array(rows * cols);
    for (const t of tilePlan(rows, cols, side, symmetric)) {
      assert.ok(t.r1 - t.r0 <= side && t.c1 - t.c0 <= side);
      for (let i = t.r0; i < t.r1; i++) {
        for (let j = t.c0; j < t.c1; j++) {
          covered[i * cols + j]++;
          if (symmetric && t.r0 !== t.c0) covered[j * cols + i]++;
        }
      }
    }
    assert.ok(covered.every((c) => c === 1), `${rows}×${cols}, side ${side}`);
  }
  // Pieces are whole multiples of 64 except the last, and as even as that allows.
  assert.deepEqual(cuts(5000, 1024), [0, 1024, 2048, 3072, 4096, 5000]);
  assert.deepEqual(cuts(20000, 4096), [0, 4032, 8064, 12096, 16128, 20000]);
  assert.throws(() => tilePlan(3, 4, 64, true), /square/);
});

test('--rows/--cols select the matching slices of the inputs, and refuse ranges past them', () => {
  const config = resolve(['--samples', '50']);
  const all = runInputs(config);
  const { placement, config: block } = selectBlock(config, [10, 20], [30, 50])!;
  const { fingerprint, ...where } = placement;
  assert.deepEqual(where, { rows: [10, 20], cols: [30, 50], shape: [50, 50], symmetric: true });
  // Blocks of one run share a fingerprint; another seed, width or input set gives another.
  assert.match(fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(selectBlock(resolve(['--samples', '50']), [0, 10], [0, 10])!.placement.fingerprint, fingerprint);
  for (const changed of [['--seed', '1'], ['--width', '11'], ['--samples', '51'], ['--activation', 'tanh']]) {
    assert.notEqual(selectBlock(resolve(['--samples', '50', ...changed]), [0, 10], [0, 10])!.placement.fingerprint, fingerprint, changed.join(' '));
  }
  assert.deepEqual(Array.from(block.inputs!.values), Array.from(all.values.subarray(10 * 20, 20 * 20)));
  assert.deepEqual(Array.from(block.inputs2!.values), Array.from(all.values.subarray(30 * 20, 50 * 20)));
  assert.equal(config.inputs, undefined, "the whole run's config is left as it was");
  assert.equal(selectBlock(resolve(['--samples', '50']), [10, 20], [10, 20])!.config.inputs2, undefined, 'a diagonal block stays symmetric');
  assert.throws(() => selectBlock(resolve(['--samples', '50']), [0, 51]), /--rows 0:51 runs past the 50 samples/);
  assert.equal(selectBlock(resolve([])), null);
});

test('output formats come from one table, with one message naming the flag', () => {
  assert.equal(outputFormat('image', '--out', 'a.PDF'), 'pdf');
  assert.equal(outputFormat('image', '--out', '-'), 'png');
  assert.equal(outputFormat('matrix', '--out', '-'), 'csv');
  assert.throws(() => outputFormat('matrix', '--matrix', '-', false), /--matrix -: expected a \.npy, \.csv or \.json file name$/);
  assert.throws(() => outputFormat('strip', '--strip', 'c.gif'), /--strip c\.gif: expected a \.png file name$/);
  assert.throws(() => outputFormat('image', '--out', 'c.gif'), /expected a \.png, \.svg or \.pdf file name, or '-'$/);
});

test('the core refuses what it cannot compute with typed errors, and the CLI maps them to exit 1', async () => {
  const config = resolve(['--width', 'inf', '--parameterization', 'ntk']);
  config.network.architecture.layers[1] = { kind: 'activation', name: 'swish' }; // past the CLI's checks
  await assert.rejects(computeNtk(config), (e) => e instanceof RunConfigError && /unknown activation 'swish'/.test(e.message));
  const standard = resolve([]);
  standard.network.width = { kind: 'infinite' };
  await assert.rejects(computeNtk(standard), (e) => e instanceof RunConfigError && /needs the ntk parameterization/.test(e.message));
  const wrongDim = resolve([]);
  wrongDim.inputs = { values: new Float32Array(6), count: 2, dim: 3 };
  await assert.rejects(computeNtk(wrongDim), /inputs have 3 values per row, the network takes 20/);
  const spec = { inputDim: 2, depth: 1, outputDim: 1, activation: 'gelu', sigmaW: 1, sigmaB: 0 };
  assert.throws(() => analyticKernels(spec, { values: new Float32Array(3), count: 1, dim: 3 }), AnalyticKernelError);
  assert.equal(exitCodeOf(new RunConfigError('x')), 1);
  assert.equal(exitCodeOf(new UsageError('x')), 2);
});

test("inputs up to float32's largest value are read; one that rounds past it is refused with its place", () => {
  const dir = tempDir();
  const largest = path.join(dir, 'largest.csv');
  // 3.4028235e+38 is how NumPy prints float32's largest value: it rounds to it, not to Inf.
  fs.writeFileSync(largest, '1,-3.4028235e+38\n3.4028235e+38,4\n');
  assert.deepEqual(Array.from(Float32Array.from(readFlagMatrix('--inputs', largest, { float32: true }).values)), [1, -3.4028234663852886e38, 3.4028234663852886e38, 4]);
  const beyond = path.join(dir, 'beyond.csv');
  fs.writeFileSync(beyond, '1,2\n3.4028236e+38,4\n');
  assert.throws(() => readFlagMatrix('--inputs', beyond, { float32: true }), (e) => e instanceof InputError && /^--inputs .*beyond\.csv: line 2, column 1 is 3\.4028236e\+38, beyond float32's range/.test(e.message));
});
