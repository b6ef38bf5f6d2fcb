/**
 * Routine input is accepted and gives the right number: --top on low-rank and
 * indefinite kernels, 1-D targets, t = 0, labels as pandas writes them,
 * outputs that are devices or pipes, float64 text, the edge spectra, large
 * text matrices written and read in pieces, a signal after the outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCsvBytes, parseCsv } from '../src/io/csv';
import { matrixChunks } from '../src/io/kernelFile';
import { encodeNpy, npyHeader, parseNpy } from '../src/io/npy';
import { denseOperator, topEigen, TopEigenError } from '../src/linalg/topEigen';
import { forward } from '../src/model/forward';
import { initMlp } from '../src/model/mlp';
import { TorchGenerator } from '../src/model/torchRandom';
import { samplesView } from '../src/types';
import { BIN, blasOrNull, FIXTURES, runCli, tempDir } from './helpers';

const dir = tempDir();

function json(args: string[]) {
  const run = runCli([...args, '--json'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

function npy(name: string, values: ArrayLike<number>, shape: number[], dtype: 'float32' | 'float64' = 'float32'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeNpy(values, shape, dtype));
  return file;
}

/** V·diag(λ)·Vᵀ with V a Householder reflection (orthogonal, dense): a symmetric matrix with exactly these eigenvalues. */
function withEigenvalues(lambda: number[]): Float64Array {
  const n = lambda.length;
  const v = Array.from({ length: n }, (_, i) => Math.sin(0.7 * i + 0.2) + 0.1);
  const norm2 = v.reduce((s, x) => s + x * x, 0);
  const V = (i: number, j: number) => (i === j ? 1 : 0) - (2 * v[i] * v[j]) / norm2;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let m = 0; m < n; m++) k[i * n + j] += V(i, m) * lambda[m] * V(j, m);
  return k;
}

test('--top k is exact where k is near the rank, beyond it, or a large share of n; it equals the full spectrum', () => {
  const cases: [string[], number][] = [
    [['--dataset', 'iris'], 60],
    [['--dataset', 'iris'], 20],
    [['--samples', '2000'], 100],
  ];
  const width1 = path.join(dir, 'width1.npy');
  assert.equal(runCli(['kernel', '--width', '1', '--samples', '1000', '--out', width1]).status, 0);
  for (const [source, k] of [...cases, [[width1], 30] as [string[], number]]) {
    const full = json(['spectrum', ...source, '--out', path.join(dir, 's.png')]);
    const top = json(['spectrum', ...source, '--top', String(k), '--out', path.join(dir, 's.png')]);
    assert.equal(top.eigenvalues.length, k);
    top.eigenvalues.forEach((v: number, i: number) => assert.ok(Math.abs(v - full.eigenvalues[i]) <= 1e-5 * full.lambda_max, `${source.join(' ')} --top ${k}: ${i}: ${v} vs ${full.eigenvalues[i]}`));
    assert.ok(Math.abs(top.max_learning_rate - full.max_learning_rate) <= 1e-5 * full.max_learning_rate);
  }
});

test('--top 3 of an indefinite matrix: the three largest, past large negative eigenvalues', () => {
  const lambda = [5, 4, 3, ...Array.from({ length: 297 }, (_, i) => -10 + (9 * i) / 296)];
  const file = npy('indefinite.npy', withEigenvalues(lambda), [300, 300]);
  const top = json(['spectrum', file, '--top', '3', '--out', path.join(dir, 's.png')]);
  assert.match(top.solver, /block Krylov/);
  top.eigenvalues.forEach((v: number, i: number) => assert.ok(Math.abs(v - lambda[i]) <= 1e-4, `${i}: ${v}`));
});

test('block Krylov: a kernel of rank below the basis converges; one that cannot converge in time is an error, not a number', () => {
  const linalg = blasOrNull();
  if (!linalg) return;
  const generator = new TorchGenerator(0);
  const randn = (count: number) => generator.randn(count);
  // Rank 4 in n = 200: the Krylov blocks run out of directions after the first product.
  const n = 200;
  const lambda = [9, 5, 2, 1, ...Array<number>(n - 4).fill(0)];
  const k = Float32Array.from(withEigenvalues(lambda));
  const top = topEigen(denseOperator({ data: k, rows: n, cols: n }, linalg), 6, { randn, linalgName: linalg.name });
  Array.from(top.values).forEach((v, i) => assert.ok(Math.abs(v - lambda[i]) <= 1e-5 * 9, `${i}: ${v}`));
  // A slowly decaying spectrum with one iteration allowed.
  const slow = Float32Array.from(withEigenvalues(Array.from({ length: n }, (_, i) => Math.exp(-i / 100))));
  assert.throws(() => topEigen(denseOperator({ data: slow, rows: n, cols: n }, linalg), 10, { randn, linalgName: linalg.name, maxIterations: 1 }), TopEigenError);
});

test('spectrum of a zero matrix and of [[−2]]: one meaning in the JSON and the summary, no negative learning rate', () => {
  const zero = npy('zero.npy', [0, 0, 0, 0], [2, 2]);
  const negative = npy('negative.npy', [-2], [1, 1]);
  const z = json(['spectrum', zero, '--out', path.join(dir, 's.png')]);
  assert.deepEqual([z.max_learning_rate, z.condition_number, z.numerical_rank, z.effective_rank], ['inf', 'inf', 0, 0]);
  const n = json(['spectrum', negative, '--out', path.join(dir, 's.png')]);
  assert.deepEqual([n.max_learning_rate, n.condition_number, n.negative_eigenvalues], [0, 'inf', 1]);
  const summary = runCli(['spectrum', zero, '--out', path.join(dir, 's.png')]).stdout;
  assert.match(summary, /condition number ∞ \(singular\).*max learning rate ∞/);
});

test('1-D targets (shape (n,)) are one column for predict and spectrum; t = 0 predicts f₀', () => {
  const train = path.join(FIXTURES, 'predict', 'analytic_train.npy');
  const test_ = path.join(FIXTURES, 'predict', 'analytic_test.npy');
  const targets2d = parseNpy(fs.readFileSync(path.join(FIXTURES, 'predict', 'analytic_targets.npy')));
  const vector = npy('targets-vector.npy', targets2d.data, [targets2d.shape[0]]);
  const common = ['--train', train, '--test', test_, '--width', 'inf', '--parameterization', 'ntk'];
  const fromVector = json(['predict', ...common, '--targets', vector, '--out', path.join(dir, 'p1.npy')]);
  const fromMatrix = json(['predict', ...common, '--targets', path.join(FIXTURES, 'predict', 'analytic_targets.npy'), '--out', path.join(dir, 'p2.npy')]);
  assert.equal(fromVector.test_loss, fromMatrix.test_loss);
  assert.deepEqual(parseNpy(fs.readFileSync(path.join(dir, 'p1.npy'))).data, parseNpy(fs.readFileSync(path.join(dir, 'p2.npy'))).data);
  // At infinite width f₀ = 0; at finite width f₀ is the network drawn from the seed.
  json(['predict', ...common, '--targets', vector, '--time', '0', '--out', path.join(dir, 'p0.npy')]);
  assert.ok(Array.from(parseNpy(fs.readFileSync(path.join(dir, 'p0.npy'))).data).every((v) => v === 0));
  json(['predict', '--train', train, '--test', test_, '--targets', vector, '--width', '32', '--time', '0', '--out', path.join(dir, 'f0.npy')]);
  const x = parseNpy(fs.readFileSync(train));
  const t = parseNpy(fs.readFileSync(test_));
  const generator = new TorchGenerator(0);
  const model = initMlp({ inputDim: x.shape[1], width: 32, depth: 1, outputDim: 1, activation: 'relu', parameterization: 'standard' }, generator);
  const linalg = blasOrNull();
  if (linalg) {
    const f0 = forward(model, samplesView({ values: Float32Array.from(t.data), count: t.shape[0], dim: t.shape[1] }), linalg).output.data;
    const got = parseNpy(fs.readFileSync(path.join(dir, 'f0.npy'))).data;
    got.forEach((v, i) => assert.ok(Math.abs(v - f0[i]) <= 1e-6 * Math.max(1, Math.abs(f0[i])), `${i}: ${v} vs ${f0[i]}`));
  }
  const seedKernel = path.join(FIXTURES, 'spectrum', 'seed.npy');
  const seedTargets = parseNpy(fs.readFileSync(path.join(FIXTURES, 'spectrum', 'seed_targets.npy')));
  const column = Array.from({ length: seedTargets.shape[0] }, (_, i) => seedTargets.data[i * seedTargets.shape[1]]);
  const energyVector = json(['spectrum', seedKernel, '--targets', npy('seed-targets-vector.npy', column, [column.length]), '--out', path.join(dir, 's.png')]);
  const energyMatrix = json(['spectrum', seedKernel, '--targets', npy('seed-targets-column.npy', column, [column.length, 1]), '--out', path.join(dir, 's.png')]);
  assert.deepEqual(energyVector.target_energy, energyMatrix.target_energy);
});

test('labels as pandas writes them: a header line, and with its index column', () => {
  const classes = Array.from({ length: 12 }, (_, i) => ['setosa', 'versicolor', 'virginica'][i % 3]);
  const inputs = npy('x12.npy', Float32Array.from({ length: 12 * 4 }, (_, k) => Math.cos(k)), [12, 4]);
  const plain = path.join(dir, 'plain.txt');
  fs.writeFileSync(plain, classes.join('\n') + '\n');
  const header = path.join(dir, 'header.csv');
  fs.writeFileSync(header, ['species', ...classes].join('\n') + '\n');
  const indexed = path.join(dir, 'indexed.csv');
  fs.writeFileSync(indexed, [',species', ...classes.map((c, i) => `${i},${c}`)].join('\n') + '\n');
  // The index of a sample or a split of a frame: not 0, 1, 2, …, known by pandas' empty header field.
  const split = path.join(dir, 'split.csv');
  fs.writeFileSync(split, [',species', ...classes.map((c, i) => `${3 * i + 5},${c}`)].join('\n') + '\n');
  // Quoted, as csv.writer and pandas quote a label with a comma (or a quote) in it.
  const quoted = path.join(dir, 'quoted.csv');
  fs.writeFileSync(quoted, classes.map((c) => `"${c}, ""the"" flower"`).join('\r\n') + '\r\n');
  const reports = [plain, header, indexed, split, quoted].map((labels) => json(['kernel', '--inputs', inputs, '--labels', labels, '--out', path.join(dir, 'k.npy')]));
  for (const report of reports) {
    assert.deepEqual(report.classes.sizes, reports[0].classes.sizes);
    assert.equal(report.alignment, reports[0].alignment);
  }
  assert.deepEqual(reports[0].classes, { names: ['setosa', 'versicolor', 'virginica'], sizes: [4, 4, 4] });
  assert.deepEqual(reports[4].classes.names, ['setosa, "the" flower', 'versicolor, "the" flower', 'virginica, "the" flower']);
  // 64-bit integer labels are told apart above 2⁵³.
  const big = path.join(dir, 'big-labels.npy');
  const bigLabels = new BigInt64Array(12).map((_, i) => 2n ** 53n + BigInt(i % 3));
  const int64Header = Buffer.from(Buffer.from(npyHeader('float32', [12])).toString('latin1').replace("'<f4'", "'<i8'"), 'latin1');
  fs.writeFileSync(big, Buffer.concat([int64Header, Buffer.from(bigLabels.buffer)]));
  const bigClasses = json(['kernel', '--inputs', inputs, '--labels', big, '--out', path.join(dir, 'k.npy')]).classes;
  assert.deepEqual(bigClasses, { names: ['9007199254740992', '9007199254740993', '9007199254740994'], sizes: [4, 4, 4] }, 'in numeric order, exactly');
  // A quoted label keeps its spaces; a line with its index and no label is refused, with its place.
  const spaced = path.join(dir, 'spaced.csv');
  fs.writeFileSync(spaced, classes.map((c, i) => (i % 2 ? `" ${c}"` : c)).join('\n') + '\n');
  assert.equal(json(['kernel', '--inputs', inputs, '--labels', spaced, '--out', path.join(dir, 'k.npy')]).classes.names.length, 6);
  const missing = path.join(dir, 'missing.csv');
  fs.writeFileSync(missing, [',species', ...classes.map((c, i) => (i === 5 ? '5' : `${i},${c}`))].join('\n') + '\n');
  const run = runCli(['kernel', '--inputs', inputs, '--labels', missing, '--out', path.join(dir, 'k.npy')]);
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `ntk-cli: error: --labels ${missing}: label 5 is missing (the line has its index and nothing after it)\n`);
});

test('outputs that are devices or pipes are written in place, in the format --format names (CSV by default)', async () => {
  const devNull = runCli(['kernel', '--samples', '5', '--out', '/dev/null']);
  assert.equal(devNull.status, 0, devNull.stderr);
  assert.match(devNull.stdout, /wrote \/dev\/null$/m);
  for (const format of [undefined, 'npy']) {
    const fifo = path.join(dir, `pipe-${format ?? 'csv'}`);
    spawnSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    const chunks: Buffer[] = [];
    reader.stdout.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise<void>((resolve) => reader.on('close', () => resolve()));
    const run = runCli(['kernel', '--samples', '4', ...(format ? ['--format', format] : []), '--out', fifo]);
    await done;
    assert.equal(run.status, 0, run.stderr);
    const bytes = Buffer.concat(chunks);
    const whole = json(['kernel', '--samples', '4', '--out', path.join(dir, 'k4.npy')]);
    assert.equal(whole.kernel.shape[0], 4);
    const expected = parseNpy(fs.readFileSync(path.join(dir, 'k4.npy'))).data;
    const got = format === 'npy' ? parseNpy(bytes).data : parseCsv(bytes.toString('utf8')).values;
    assert.deepEqual(Array.from(got, Math.fround), Array.from(expected));
  }
});

test('--dtype float64 with CSV and JSON writes float64 decimals that read back exactly', () => {
  const common = ['kernel', '--width', 'inf', '--parameterization', 'ntk', '--samples', '6'];
  assert.equal(runCli([...common, '--dtype', 'float64', '--out', path.join(dir, 'k64.npy')]).status, 0);
  assert.equal(runCli([...common, '--dtype', 'float64', '--out', path.join(dir, 'k64.csv')]).status, 0);
  assert.equal(runCli([...common, '--dtype', 'float64', '--out', path.join(dir, 'k64.json')]).status, 0);
  const exact = Array.from(parseNpy(fs.readFileSync(path.join(dir, 'k64.npy'))).data);
  assert.ok(exact.some((v) => Math.fround(v) !== v), 'the kernel has values a float32 cannot hold');
  assert.deepEqual(Array.from(parseCsv(fs.readFileSync(path.join(dir, 'k64.csv'), 'utf8')).values), exact);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'k64.json'), 'utf8')).data.flat(), exact);
});

test('text matrices are written and read in pieces: the same numbers as written whole, with file line numbers', () => {
  const rows = 900;
  const cols = 2000;
  const values = Float32Array.from({ length: rows * cols }, (_, k) => Math.sin(k) * 10 ** ((k % 7) - 3));
  const csvChunks = [...matrixChunks(values, rows, cols, 'csv')];
  assert.ok(csvChunks.length > 3, `${csvChunks.length} chunks`);
  const csv = Buffer.concat(csvChunks);
  const whole = parseCsvBytes(csv);
  const pieces = parseCsvBytes(Buffer.concat([Buffer.from('a header,b\n'.repeat(1).replace('a header,b', Array.from({ length: cols }, (_, c) => `c${c}`).join(','))), csv]), 1 << 16);
  assert.deepEqual(Array.from(whole.values, Math.fround), Array.from(values));
  assert.deepEqual(Array.from(pieces.values, Math.fround), Array.from(values));
  assert.equal(pieces.header?.length, cols);
  assert.deepEqual([pieces.lines[0], pieces.lines[rows - 1]], [2, rows + 1]);
  const jsonText = Buffer.concat([...matrixChunks(values, rows, cols, 'json')]).toString('utf8');
  const parsed = JSON.parse(jsonText);
  assert.deepEqual(parsed.shape, [rows, cols]);
  assert.deepEqual(Float32Array.from(parsed.data.flat()), values);
  assert.throws(() => parseCsvBytes(Buffer.from('1,2\n3,x\n'), 3), /line 2, column 2: 'x' is not a number/);
});

test('a signal that arrives once every output is in place ends the run with success', () => {
  // The preload sends SIGINT to the process as soon as a file is renamed over the target INTERRUPT_AFTER,
  // and makes writes to stdout take a while (a slow terminal), so the signal arrives while the report prints.
  const preload = path.join(dir, 'interrupt-after-rename.js');
  fs.writeFileSync(
    preload,
    `const fs = require('node:fs');
const rename = fs.renameSync;
fs.renameSync = function (from, to) {
  rename(from, to);
  if (to === process.env.INTERRUPT_AFTER) process.kill(process.pid, 'SIGINT');
};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, callback) => {
  setTimeout(() => write(chunk, callback), 200);
  return true;
};
`,
  );
  const run = (args: string[], after: string) => spawnSync(process.execPath, ['-r', preload, BIN, ...args], { encoding: 'utf8', env: { ...process.env, INTERRUPT_AFTER: after } });
  const out = path.join(dir, 'interrupted.npy');
  const last = run(['kernel', '--samples', '30', '--out', out], out);
  assert.equal(last.status, 0, last.stderr);
  assert.deepEqual(parseNpy(fs.readFileSync(out)).shape, [30, 30]);
});

test('an explicit --backend that the run would not use is named in a warning; one not installed is refused before any work', () => {
  if (blasOrNull()) {
    const unused = runCli(['heatmap', '--backend', 'wasm', '--out', path.join(dir, 'b.png')]);
    assert.equal(unused.status, 0, unused.stderr);
    assert.equal(unused.stderr, 'ntk-cli: warning: --backend wasm is not used: the products run on OpenBLAS (--linalg tfjs puts them on TensorFlow.js)\n');
    assert.equal(runCli(['heatmap', '--backend', 'wasm', '--quiet', '--out', path.join(dir, 'b.png')]).stderr, '', '--quiet prints errors only');
    assert.equal(runCli(['heatmap', '--backend', 'wasm', '--linalg', 'tfjs', '--out', path.join(dir, 'b.png')]).stderr, '', 'used: no warning');
  }
  let installed = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    installed = false;
  }
  if (!installed) {
    const node = runCli(['heatmap', '--backend', 'node', '--out', path.join(dir, 'never.png')]);
    assert.equal(node.status, 1);
    assert.equal(node.stderr, 'ntk-cli: error: --backend node: @tensorflow/tfjs-node is not installed here (its install downloads libtensorflow); use --backend wasm\n');
    assert.equal(fs.existsSync(path.join(dir, 'never.png')), false);
  }
});

test("the report says where the inputs came from: the seed, a file, circle:N, sphere:N or a dataset", () => {
  const file = npy('x-source.npy', Float32Array.from({ length: 5 * 3 }, (_, k) => Math.sin(k)), [5, 3]);
  const cases: [string[], string][] = [
    [['--samples', '5'], 'seed'],
    [['--inputs', file], 'file'],
    [['--inputs', 'circle:5'], 'circle'],
    [['--inputs', 'sphere:5'], 'sphere'],
    [['--dataset', 'iris', '--samples', '6'], 'dataset'],
  ];
  for (const [args, source] of cases) assert.equal(json(['kernel', ...args, '--out', path.join(dir, 'source.npy')]).inputs, source, args.join(' '));
});

test('the report names the engine that ran', () => {
  const cases: [string[], string][] = [
    [['--samples', '1600', '--linalg', 'tfjs', '--threads', '2'], 'structured on worker threads'],
    [['--samples', '1600', '--linalg', 'tfjs', '--threads', '1'], 'structured'],
    [['--samples', '20', '--output-dim', '2', '--trace', 'none'], 'structured over outputs'],
    [['--samples', '20', '--method', 'naive'], 'naive'],
    [['--samples', '20', '--width', 'inf', '--parameterization', 'ntk'], 'analytic'],
  ];
  for (const [args, engine] of cases) assert.equal(json(['kernel', ...args, '--out', path.join(dir, 'engine.npy')]).engine, engine, args.join(' '));
});
