import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { parseCsv } from '../src/io/csv';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { FIXTURES, relativeMaxError, runCli, tempDir } from './helpers';

const dir = tempDir();
const WEIGHTS = path.join(FIXTURES, 'weights');
const npy = (file: string) => parseNpy(fs.readFileSync(file));

interface WeightCase {
  name: string;
  activation: string;
  dtype: string;
  inputs: string;
  samples: number;
}

const cases: WeightCase[] = fs
  .readdirSync(WEIGHTS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => ({ name: e.name, ...JSON.parse(fs.readFileSync(path.join(WEIGHTS, e.name, 'case.json'), 'utf8')) }));

test('the PyTorch weight fixtures cover four layer-naming schemes, four dtypes and a net without biases', () => {
  assert.deepEqual(cases.map((c) => c.dtype).sort(), ['BF16', 'F16', 'F32', 'F64']);
  assert.ok(cases.some((c) => c.name.includes('nobias')));
});

for (const c of cases) {
  test(`--weights ${c.name} (${c.dtype}) with its ${c.inputs} gives PyTorch's kernel to 1e-5`, () => {
    const out = path.join(dir, `${c.name}.npy`);
    const args = ['kernel', '--weights', path.join(WEIGHTS, c.name, 'model.safetensors'), '--inputs', path.join(WEIGHTS, c.name, c.inputs)];
    const run = runCli([...args, '--activation', c.activation, '--out', out, '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).model.source, 'weights');
    assert.ok(relativeMaxError(npy(out).data, npy(path.join(WEIGHTS, c.name, 'kernel.npy')).data) <= 1e-5);
  });
}

const roundtripArgs = ['--seed', '11', '--depth', '2', '--width', '24', '--input-dim', '7', '--samples', '20', '--activation', 'gelu'];

test('--save-model and --save-inputs write what PyTorch loads (strict load_state_dict) and gets the same kernel from', () => {
  const model = path.join(dir, 'model.safetensors');
  const inputs = path.join(dir, 'inputs.npy');
  const out = path.join(dir, 'roundtrip.npy');
  const run = runCli(['kernel', ...roundtripArgs, '--save-model', model, '--save-inputs', inputs, '--out', out]);
  assert.equal(run.status, 0, run.stderr);
  // The committed files are the ones the fixture script loaded into PyTorch; the writer still writes them byte for byte.
  assert.ok(fs.readFileSync(model).equals(fs.readFileSync(path.join(WEIGHTS, 'roundtrip_model.safetensors'))));
  assert.ok(fs.readFileSync(inputs).equals(fs.readFileSync(path.join(WEIGHTS, 'roundtrip_inputs.npy'))));
  const pytorch = npy(path.join(WEIGHTS, 'roundtrip_kernel.npy')).data;
  assert.ok(relativeMaxError(npy(out).data, pytorch) <= 1e-5);
  // Loading them back gives the same kernel again.
  const back = path.join(dir, 'back.npy');
  const again = runCli(['kernel', '--weights', model, '--inputs', inputs, '--activation', 'gelu', '--out', back]);
  assert.equal(again.status, 0, again.stderr);
  assert.ok(relativeMaxError(npy(back).data, pytorch) <= 1e-5);
});

test('--weights takes the activation saved in ntk-cli metadata and refuses a contradicting flag', () => {
  const model = path.join(WEIGHTS, 'roundtrip_model.safetensors');
  const inputs = path.join(WEIGHTS, 'roundtrip_inputs.npy');
  const out = path.join(dir, 'meta.npy');
  const run = runCli(['kernel', '--weights', model, '--inputs', inputs, '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).model.activation, 'gelu');
  const clash = runCli(['kernel', '--weights', model, '--inputs', inputs, '--activation', 'relu', '--out', out]);
  assert.equal(clash.status, 2);
  assert.match(clash.stderr, /--activation relu contradicts --weights/);
});

test('--inputs2 gives the cross-kernel Θ(X, Y): the matching block of PyTorch\'s kernel, drawn and written rectangular', () => {
  const c = path.join(WEIGHTS, 'seed_net_f32');
  const x = npy(path.join(c, 'inputs.npy'));
  const [n, d] = x.shape;
  const split = 10;
  const first = path.join(dir, 'x.npy');
  const second = path.join(dir, 'y.csv');
  fs.writeFileSync(first, encodeNpy(x.data.subarray(0, split * d), [split, d]));
  const rows: string[] = [];
  for (let i = split; i < n; i++) rows.push(Array.from(x.data.subarray(i * d, (i + 1) * d)).join(','));
  fs.writeFileSync(second, rows.join('\n') + '\n');
  const out = path.join(dir, 'cross.npy');
  const image = path.join(dir, 'cross.png');
  const weights = path.join(c, 'model.safetensors');
  const run = runCli(['kernel', '--weights', weights, '--activation', 'relu', '--inputs', first, '--inputs2', second, '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).kernel.shape, [split, n - split]);
  const full = npy(path.join(c, 'kernel.npy')).data;
  const block = new Float64Array(split * (n - split));
  for (let i = 0; i < split; i++) for (let j = split; j < n; j++) block[i * (n - split) + j - split] = full[i * n + j];
  const cross = npy(out);
  assert.deepEqual(cross.shape, [split, n - split]);
  assert.ok(relativeMaxError(cross.data, block) <= 1e-5);
  const drawn = runCli(['heatmap', '--weights', weights, '--activation', 'relu', '--inputs', first, '--inputs2', second, '--bare', '--out', image]);
  assert.equal(drawn.status, 0, drawn.stderr);
  const png = PNG.sync.read(fs.readFileSync(image));
  assert.deepEqual([png.width, png.height], [n - split, split]);
});

test('--inputs - reads CSV from stdin and --out - writes the kernel as CSV to stdout', () => {
  const c = path.join(WEIGHTS, 'seed_net_f32');
  const x = npy(path.join(c, 'inputs.npy'));
  const [n, d] = x.shape;
  const csv = Array.from({ length: n }, (_, i) => Array.from(x.data.subarray(i * d, (i + 1) * d)).join(',')).join('\n');
  const run = runCli(['kernel', '--weights', path.join(c, 'model.safetensors'), '--activation', 'relu', '--inputs', '-', '--out', '-'], { input: csv });
  assert.equal(run.status, 0, run.stderr);
  const kernel = parseCsv(run.stdout);
  assert.deepEqual([kernel.rows, kernel.cols], [n, n]);
  assert.ok(relativeMaxError(kernel.values, npy(path.join(c, 'kernel.npy')).data) <= 1e-5);
  assert.match(run.stderr, /wrote csv to stdout/);
});


test('an NTK-parameterised network saved with --save-model reloads with its σ_w and σ_b: the same kernel, no flags needed', () => {
  const model = path.join(dir, 'ntk.safetensors');
  const inputs = path.join(dir, 'ntk-inputs.npy');
  const first = path.join(dir, 'ntk-first.npy');
  const saved = runCli(['kernel', '--parameterization', 'ntk', '--sigma-w', '1.5', '--sigma-b', '0.3', '--activation', 'tanh', '--save-model', model, '--save-inputs', inputs, '--out', first]);
  assert.equal(saved.status, 0, saved.stderr);
  for (const extra of [[], ['--sigma-w', '1.5', '--sigma-b', '0.3'], ['--parameterization', 'ntk']]) {
    const again = path.join(dir, 'ntk-again.npy');
    const run = runCli(['kernel', '--weights', model, '--inputs', inputs, ...extra, '--out', again, '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).model, { layers: [20, 10, 1], activation: 'tanh', parameterization: 'ntk', sigma_w: 1.5, sigma_b: 0.3, source: 'weights' });
    assert.ok(fs.readFileSync(again).equals(fs.readFileSync(first)), extra.join(' '));
  }
  const clash = runCli(['kernel', '--weights', model, '--inputs', inputs, '--sigma-b', '1', '--out', path.join(dir, 'never.npy')]);
  assert.equal(clash.status, 2);
  assert.match(clash.stderr, /--sigma-b 1 contradicts --weights .*ntk\.safetensors \(saved with sigma_b 0\.3\)/);
});

test("a value in a --weights file's metadata that its flag would refuse is refused, not replaced by the default", () => {
  const model = path.join(dir, 'meta.safetensors');
  assert.equal(runCli(['kernel', '--parameterization', 'ntk', '--sigma-w', '2', '--activation', 'tanh', '--save-model', model, '--samples', '4', '--out', path.join(dir, 'meta.npy')]).status, 0);
  const bytes = fs.readFileSync(model);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const edited = (key: string, value: string) => {
    const json = Buffer.from(JSON.stringify({ ...header, __metadata__: { ...header.__metadata__, [key]: value } }));
    const padded = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(padded.length));
    const file = path.join(dir, `meta-${key}.safetensors`);
    fs.writeFileSync(file, Buffer.concat([length, padded, bytes.subarray(8 + headerLength)]));
    return file;
  };
  for (const [key, value, expected] of [
    ['sigma_w', 'abc', 'a finite number above 0'],
    ['sigma_w', '-2', 'a finite number above 0'],
    ['sigma_b', 'NaN', 'a finite number ≥ 0'],
    ['sigma_b', '-3', 'a finite number ≥ 0'],
    ['parameterization', 'NTK', 'a parameterization (standard, ntk)'],
    ['activation', 'swish', 'an activation ('],
  ]) {
    const file = edited(key, value);
    const run = runCli(['kernel', '--weights', file, '--samples', '4', '--out', path.join(dir, 'never.npy')]);
    assert.equal(run.status, 1, `${key} ${value}: ${run.stderr}`);
    assert.ok(run.stderr.startsWith(`ntk-cli: error: --weights ${file}: its metadata's ${key} '${value}' is not ${expected}`), run.stderr);
    assert.equal(run.stderr.split('\n').length, 2);
  }
  // Edited to another valid value, the file is read with it.
  const run = runCli(['kernel', '--weights', edited('sigma_w', '1.5'), '--samples', '4', '--out', path.join(dir, 'meta2.npy'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).model.sigma_w, 1.5);
});

test('every activation survives --save-model and --weights: the same kernel back, with no flag to repeat', () => {
  for (const activation of ['relu', 'tanh', 'erf', 'gelu', 'identity', 'sin', 'sigmoid', 'softplus', 'leaky_relu', 'leaky_relu:0.2']) {
    const model = path.join(dir, `every-${activation.replace(':', '-')}.safetensors`);
    const first = path.join(dir, 'every-first.npy');
    const again = path.join(dir, 'every-again.npy');
    const saved = runCli(['kernel', '--activation', activation, '--samples', '12', '--save-model', model, '--save-inputs', path.join(dir, 'every-x.npy'), '--out', first]);
    assert.equal(saved.status, 0, `${activation}: ${saved.stderr}`);
    const loaded = runCli(['kernel', '--weights', model, '--inputs', path.join(dir, 'every-x.npy'), '--out', again, '--json']);
    assert.equal(loaded.status, 0, `${activation}: ${loaded.stderr}`);
    assert.equal(JSON.parse(loaded.stdout).model.activation, activation);
    assert.deepEqual(npy(again).data, npy(first).data, activation);
  }
});
