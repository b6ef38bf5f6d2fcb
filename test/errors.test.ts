/**
 * The table of bad invocations: each with the exit code and the one-line
 * message it must give (2 for a usage error, 1 for an input or runtime
 * error), nothing on stdout, and no file in the working directory created,
 * changed or left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { encodeNpy, npyHeader, parseNpy } from '../src/io/npy';
import { encodeSafetensors } from '../src/io/safetensors';
import { BIN, FIXTURES, runCli, tempDir } from './helpers';

const dir = tempDir();
fs.chmodSync(dir, 0o755); // the read-only case runs the CLI as an unprivileged user, who must reach it
const file = (name: string, bytes: Uint8Array | string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
};

/** A safetensors file with a hand-made header, for the malformed cases. */
function rawSafetensors(header: string | object, dataBytes = 0, declaredLength?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(declaredLength ?? BigInt(json.length), 0);
  json.copy(out, 8);
  return out;
}

const valid = encodeNpy(new Float32Array(40), [2, 20]);
const npyFiles = {
  empty: file('empty.npy', ''),
  truncated: file('truncated.npy', valid.subarray(0, valid.length - 5)),
  garbage: file('garbage.npy', 'definitely not an array\n'),
  int64: path.join(FIXTURES, 'npy', 'int64.npy'),
  rank3: file('rank3.npy', encodeNpy(new Float32Array(8), [2, 2, 2])),
  infInput: file('inf.npy', encodeNpy(Float32Array.from({ length: 40 }, (_, i) => (i === 33 ? Infinity : 0)), [2, 20])),
  hugeInput: file('huge-input.npy', encodeNpy(Float64Array.from({ length: 40 }, (_, i) => (i === 23 ? 1e39 : 0)), [2, 20], 'float64')),
  headerOnly: file('header-only.npy', npyHeader('float32', [1000000, 1000000])),
};
const layer = (name: string, shape: number[], fill = 0.1) => ({ name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });
const safetensors = {
  hugeHeader: file('huge-header.safetensors', rawSafetensors('{}', 0, 1n << 60n)),
  badJson: file('bad-json.safetensors', rawSafetensors('{"lin1.weight": [', 0)),
  outOfRange: file('offsets.safetensors', rawSafetensors({ 'lin1.weight': { dtype: 'F32', shape: [10, 20], data_offsets: [0, 800] } }, 16)),
  int8: file('int8.safetensors', rawSafetensors({ 'lin1.weight': { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }, 1)),
  shared: file('shared.safetensors', rawSafetensors({ 'lin1.weight': { dtype: 'F32', shape: [10, 2], data_offsets: [0, 80] }, 'lin1.bias': { dtype: 'F32', shape: [10], data_offsets: [40, 80] } }, 80)),
  chain: file('chain.safetensors', encodeSafetensors([layer('lin1.weight', [10, 20]), layer('lin2.weight', [1, 7])])),
  nanWeight: file('nan.safetensors', encodeSafetensors([layer('lin1.weight', [10, 20]), layer('lin2.weight', [1, 10], NaN)])),
  notLinear: file('bn.safetensors', encodeSafetensors([layer('lin1.weight', [10, 20]), layer('bn.running_mean', [10])])),
  tooShort: file('short.safetensors', 'abc'),
};
const goodWeights = path.join(FIXTURES, 'weights', 'seed_net_f32', 'model.safetensors');
const goodInputs = path.join(FIXTURES, 'weights', 'seed_net_f32', 'inputs.npy');
const ramp = path.join(FIXTURES, 'render', 'ramp32.npy');
const other = {
  vector: file('vector.npy', encodeNpy([1, 2, 3], [3])),
  ragged: file('ragged.csv', '1,2,3\n4,5\n'),
  wrongDim: file('wrong.npy', encodeNpy(new Float32Array(12), [4, 3])),
  predictTargets: file('targets.npy', encodeNpy(new Float32Array(30), [30, 1])),
  twoTargets: file('targets2.npy', encodeNpy(new Float32Array(60), [30, 2])),
  threeLabels: file('three.txt', 'a\nb\nc\n'),
  tenLabels: file('ten.txt', 'a\nb\n'.repeat(5)),
  asymmetric: file('asymmetric.npy', encodeNpy([1, 0.5, 0, 1], [2, 2])),
  nanInput: file('nan.npy', encodeNpy(Float32Array.from({ length: 40 }, (_, i) => (i === 27 ? NaN : 0)), [2, 20])),
  nanKernel: file('nan-kernel.csv', 'a,b\n1,nan\n0,1\n'),
  kernel40: file('k40.npy', encodeNpy(Float32Array.from({ length: 1600 }, (_, k) => (Math.floor(k / 40) === k % 40 ? 2 : 1)), [40, 40])),
};
const noWrite = path.join(dir, 'read-only');
fs.mkdirSync(noWrite, { mode: 0o755 });
const files = {
  samples: file('x.npy', encodeNpy(Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), [2, 20])),
  typo: file('typo.csv', '1,2.2.2,3\n4,5,6\n7,8,9\n'),
  hex: file('hex.csv', '0x10,2\n3,4\n'),
  nanCsv: file('nan.csv', 'a,b\n1,2\n3,nan\n'),
  hugeCsv: file('huge.csv', '1,2\n3,-4e39\n'),
  picture: file('picture.png', fs.readFileSync(path.join(FIXTURES, 'render', 'iris.png'))),
  checkpoint: file('model.pt', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)])),
  pickle: file('model.pkl', Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e])),
  readOnly: file('kept.npy', 'an earlier result nobody may overwrite\n'),
};
fs.chmodSync(files.readOnly, 0o444);
// Names whose writes fail: links to /dev/full (every write ends in ENOSPC).
const full = { npy: path.join(dir, 'full.npy'), png: path.join(dir, 'full.png') };
for (const link of Object.values(full)) fs.symlinkSync('/dev/full', link);
// Three blocks of a 20-sample kernel, one of them from another seed.
const blocks = ['0:10', '10:20'].map((rows) => path.join(dir, `block-${rows.replace(':', '-')}.npy`));
const otherSeed = path.join(dir, 'block-seed1.npy');
for (const [out, rows, seed] of [[blocks[0], '0:10', '0'], [blocks[1], '10:20', '0'], [otherSeed, '10:20', '1']]) {
  const run = runCli(['kernel', '--samples', '20', '--seed', seed, '--rows', rows, '--out', out]);
  if (run.status !== 0) throw new Error(run.stderr);
}

type Case = [args: string[], status: 1 | 2, message: RegExp];
const cases: Case[] = [];
for (const flag of ['--width', '--depth', '--samples', '--input-dim', '--output-dim']) {
  for (const value of ['0', '-4', '2.5', '99999999999', 'many']) cases.push([['kernel', flag, value], 2, new RegExp(`option '${flag} <n>' argument '${value.replace('.', '\\.')}' is invalid`)]);
}
cases.push(
  [['kernel', '--seed', '-1'], 2, /--seed <s>' argument '-1' is invalid\. expected a whole number from 0 to 18446744073709551615/],
  [['kernel', '--seed', '18446744073709551616'], 2, /--seed/],
  [['kernel', '--seed', '1e3'], 2, /--seed/],
  [['kernel', '--activation', 'swish'], 2, /--activation <name>' argument 'swish' is invalid\. Allowed choices are relu, tanh, erf, gelu, identity, sin, sigmoid, softplus, leaky_relu\[:α\]/],
  [['kernel', '--activation', 'leaky_relu:2'], 2, /--activation <name>' argument 'leaky_relu:2' is invalid\. The slope α of leaky_relu:α is a number in \[0, 1\)/],
  [['kernel', '--quadrature', '64'], 2, /--quadrature applies to --width inf/],
  [['kernel', '--trace', 'none', '--output-dim', '2', '--rows', '0:10'], 2, /--trace none is computed whole/],
  [['render', ramp, '--trace', 'none'], 2, /--trace none and --output-dim go together/],
  [['render', ramp, '--trace', 'none', '--output-dim', '3'], 2, /--output-dim 3: the 8×256 matrix is not made of 3×3 blocks/],
  [['kernel', '--method', 'fast'], 2, /--method/],
  [['kernel', '--backend', 'tpu'], 2, /option '--backend <b>' argument 'tpu' is invalid\. Allowed choices are auto, node, webgpu, wasm, cpu/],
  [['kernel', '--backend', 'webgpu', '--method', 'naive'], 2, /--backend webgpu computes the structured kernel traced over outputs; --method naive runs on the CPU backends/],
  [['converge', '--backend', 'webgpu'], 2, /option '--backend <b>' argument 'webgpu' is invalid\. Allowed choices are auto, node, wasm, cpu/],
  [['kernel', '--trace', 'max'], 2, /--trace/],
  [['heatmap', '--cmap', 'jet'], 2, /--cmap/],
  [['heatmap', '--dpi', '0'], 2, /--dpi/],
  [['heatmap', '--vmin', 'abc'], 2, /--vmin/],
  [['heatmap', '--vmin', '3', '--vmax', '3'], 2, /--vmin 3 must be below --vmax 3/],
  [['kernel', '--no-such-flag'], 2, /unknown option '--no-such-flag'/],
  [['frobnicate'], 2, /unknown command 'frobnicate'/],
  [['kernel', '--out', path.join(dir, 'missing', 'k.npy')], 1, /--out .*missing.*does not exist/],
  [['kernel', '--out', dir + '/'], 2, /--out .*: expected a \.npy, \.csv or \.json file name/],
  [['kernel', '--out', path.join(dir, 'adir.npy')], 1, /--out .*adir\.npy: is a directory/],
  [['kernel', '--out', path.join(noWrite, 'k.npy')], 1, /--out .*read-only.*not writable/],
  [['heatmap', '--out', path.join(dir, 'k.bmp')], 2, /--out .*k\.bmp: expected a \.png, \.svg or \.pdf/],
  [['kernel', '--out', '-', '--json'], 2, /--json and --out - both write to stdout/],
  [['kernel', '--out', 'k.csv', '--format', 'npy'], 2, /--format npy contradicts --out k\.csv/],
  [['render', npyFiles.empty], 1, /empty\.npy: not a \.npy file/],
  [['render', npyFiles.truncated], 1, /truncated\.npy: shape \(2, 20\) needs 160 data bytes, file has 155/],
  [['render', npyFiles.garbage], 1, /garbage\.npy: not a \.npy file/],
  [['render', npyFiles.int64], 1, /int64\.npy: dtype '<i8' is not supported/],
  [['render', npyFiles.rank3], 1, /rank3\.npy: expected a 2-D array, got shape \(2, 2, 2\)/],
  [['render', npyFiles.headerOnly], 1, /header-only\.npy: shape \(1000000, 1000000\) needs 4000000000000 data bytes, file has 0/],
  [['kernel', '--inputs', npyFiles.infInput], 1, /--inputs .*inf\.npy: \[1, 13\] is Infinity/],
  [['kernel', '--inputs', npyFiles.hugeInput], 1, /--inputs .*huge-input\.npy: \[1, 3\] is 1e\+39, beyond float32's range \(inputs are held in float32\)$/m],
  [['kernel', '--inputs', npyFiles.rank3], 1, /--inputs .*rank3\.npy: expected a 2-D array/],
  [['kernel', '--weights', safetensors.hugeHeader], 1, /--weights .*huge-header\.safetensors: header length 1152921504606846976 exceeds the file/],
  [['kernel', '--weights', safetensors.badJson], 1, /bad-json\.safetensors: header is not valid JSON/],
  [['kernel', '--weights', safetensors.outOfRange], 1, /offsets\.safetensors: tensor 'lin1\.weight': data_offsets \[0, 800\] lie outside the 16-byte buffer/],
  [['kernel', '--weights', safetensors.shared], 1, /shared\.safetensors: tensors 'lin1\.weight' and 'lin1\.bias' share bytes 40–80 of the buffer/],
  [['kernel', '--weights', safetensors.int8], 1, /int8\.safetensors: tensor 'lin1\.weight': dtype "I8" is not supported/],
  [['kernel', '--weights', safetensors.chain], 1, /chain\.safetensors: 'lin2\.weight' takes 7 inputs but 'lin1\.weight' gives 10 outputs/],
  [['kernel', '--weights', safetensors.nanWeight], 1, /nan\.safetensors: 'lin2\.weight' \[0, 0\] is NaN/],
  [['kernel', '--weights', safetensors.notLinear], 1, /bn\.safetensors: tensor 'bn\.running_mean' is not a linear layer's weight or bias/],
  [['kernel', '--weights', safetensors.tooShort], 1, /short\.safetensors: file is 3 bytes, shorter than the 8-byte header length/],
  [['kernel', '--weights', goodWeights, '--depth', '3'], 2, /--depth 3 contradicts --weights .*\(layer sizes 20-10-1\)/],
  [['kernel', '--weights', goodWeights, '--activation', 'relu', '--inputs', npyFiles.rank3], 1, /rank3\.npy: expected a 2-D array/],
  [['kernel', '--inputs', '-', '--inputs2', '-'], 2, /--inputs - and --inputs2 - cannot both read stdin/],
  [['render', ramp, '--norm', 'log'], 2, /--norm log: the matrix has values ≤ 0/],
  // Picture flags.
  [['heatmap', '--width', 'ten'], 2, /--width/],
  [['heatmap', '--width', '1.5'], 2, /--width/],
  [['heatmap', '--samples', '-3'], 2, /--samples/],
  [['heatmap', '--activation', 'swish'], 2, /--activation/],
  [['heatmap', '--backend', 'gpu'], 2, /--backend/],
  [['heatmap', '--linalg', 'mkl'], 2, /--linalg <l>' argument 'mkl' is invalid/],
  [['heatmap', '--out', 'picture.bmp'], 2, /--out picture\.bmp/],
  [['heatmap', '--vmin', '5', '--vmax', '1'], 2, /--vmin/],
  [['heatmap', '--matrix', 'k.txt'], 2, /--matrix k\.txt: expected a \.npy, \.csv or \.json file name$/],
  [['render', ramp, '--out', '-', '--json'], 2, /--json and --out -/],
  [['render', ramp, '--linthresh', '1'], 2, /--linthresh goes with --norm symlog/],
  [['render', ramp, '--size', '10x10'], 2, /--size/],
  [['render', path.join(dir, 'absent.npy')], 1, /absent\.npy: no such file/],
  [['render', other.vector], 1, /vector\.npy: expected a 2-D array/],
  [['render', other.ragged], 1, /ragged\.csv: line 2 has 2 cells, expected 3/],
  // Sweeps and the infinite-width kernel.
  [['converge', '--widths', '64'], 2, /--widths/],
  [['converge', '--out', 'c.gif'], 2, /--out c\.gif: expected a \.png, \.svg or \.pdf file name$/],
  [['converge', '--strip', 's.svg'], 2, /--strip s\.svg: expected a \.png file name/],
  [['kernel', '--width', 'inf'], 2, /--width inf needs --parameterization ntk/],
  [['kernel', '--width', 'inf', '--parameterization', 'ntk', '--method', 'naive'], 2, /--method applies to finite widths/],
  [['kernel', '--kernel', 'nngp'], 2, /--kernel nngp needs --width inf/],
  [['kernel', '--sigma-w', '2'], 2, /--sigma-w and --sigma-b go with --parameterization ntk/],
  // Networks and inputs from files.
  [['kernel', '--weights', goodWeights, '--width', '32'], 2, /--width 32 contradicts --weights .*20-10-1/],
  [['kernel', '--weights', goodWeights, '--activation', 'relu', '--inputs', other.wrongDim], 2, /--inputs .*wrong\.npy: rows have 3 values, the network takes 20 inputs/],
  [['kernel', '--inputs', goodInputs, '--samples', '7'], 2, /--samples 7 contradicts --inputs/],
  [['kernel', '--inputs', other.nanInput], 1, /--inputs .*nan\.npy: \[1, 7\] is NaN/],
  [['kernel', '--weights', path.join(dir, 'absent.safetensors')], 1, /--weights .*absent\.safetensors: no such file/],
  [['kernel', '--weights', goodWeights], 2, /--weights .*model\.safetensors: the file does not say which activation the network uses; give --activation/],
  [['kernel', '--weights', dir], 1, /--weights .*: is a directory, not a \.safetensors file/],
  [['kernel', '--save-model', 'model.pt'], 2, /--save-model model\.pt: expected a \.safetensors file name/],
  [['kernel', '--save-inputs', 'x.csv'], 2, /--save-inputs x\.csv: expected a \.npy file name/],
  [['kernel', '--width', 'inf', '--parameterization', 'ntk', '--save-model', 'm.safetensors'], 2, /--save-model: an infinite-width network has no weights to save/],
  // Blocks and merging.
  [['kernel', '--rows', '5:2'], 2, /--rows <a:b>' argument '5:2' is invalid/],
  [['kernel', '--rows', '0:200'], 2, /--rows 0:200 runs past the 100 samples/],
  [['kernel', '--rows', '0:50', '--out', 'k.csv'], 2, /--rows and --cols write a \.npy block/],
  [['merge', npyFiles.garbage, '--out', 'm.npy'], 1, /garbage\.npy\.json: missing/],
  [['merge', ramp, '--out', 'm.csv'], 2, /--out m\.csv: expected a \.npy file name/],
  // Spectra.
  [['spectrum', ramp], 1, /ramp32\.npy: a kernel is square; this matrix is 8×256/],
  [['spectrum', other.asymmetric], 1, /asymmetric\.npy: not symmetric \(the largest \|K_ij − K_ji\| is 0\.5\d* of the largest \|K_ij\|\)/],
  [['spectrum', path.join(FIXTURES, 'spectrum', 'seed.npy'), '--top', '101'], 2, /--top 101: the kernel has 100 eigenvalues/],
  [['spectrum', path.join(FIXTURES, 'spectrum', 'seed.npy'), '--width', '32'], 2, /seed\.npy is the kernel already; --width applies when spectrum computes one/],
  [['spectrum', path.join(FIXTURES, 'spectrum', 'seed.npy'), '--targets', other.wrongDim], 2, /--targets .*wrong\.npy: 4 rows, one per sample of the kernel expected \(100\)/],
  [['spectrum', '--inputs2', goodInputs], 2, /--inputs2: a spectrum needs a symmetric kernel/],
  [['spectrum', '--save-eigenvalues', 'ev.csv'], 2, /--save-eigenvalues ev\.csv: expected a \.npy file name/],
  // Predictions.
  [['predict', '--targets', goodInputs, '--test', goodInputs], 2, /required option '--train <file>' not specified/],
  [['predict', '--train', '-', '--targets', other.predictTargets, '--test', '-'], 2, /--train - and --test -: only one input can read stdin/],
  [['predict', '--train', goodInputs, '--targets', other.predictTargets, '--test', goodInputs, '--variance', 'v.npy'], 2, /--variance is the NNGP posterior variance: it goes with --kernel nngp/],
  [['predict', '--train', goodInputs, '--targets', other.predictTargets, '--test', goodInputs, '--width', 'inf', '--parameterization', 'ntk', '--train-network', '--steps', '5'], 2, /--train-network trains a finite network/],
  [['predict', '--train', goodInputs, '--targets', other.predictTargets, '--test', goodInputs, '--train-network'], 2, /--train-network needs --steps/],
  [['predict', '--train', goodInputs, '--targets', other.predictTargets, '--test', goodInputs, '--steps', '5'], 2, /--steps goes with --train-network/],
  [['predict', '--train', goodInputs, '--targets', other.wrongDim, '--test', goodInputs], 2, /--targets .*wrong\.npy: 4 rows, one per sample expected \(30\)/],
  [['predict', '--train', goodInputs, '--targets', other.predictTargets, '--test', other.wrongDim], 2, /--test .*wrong\.npy: rows have 3 values, --train has 20/],
  [['predict', '--train', goodInputs, '--targets', other.twoTargets, '--test', goodInputs, '--trace', 'sum'], 2, /--trace sum adds the outputs' kernels/],
  // Structured inputs, datasets and labels.
  [['kernel', '--dataset', 'iris', '--inputs', goodInputs], 2, /--dataset iris gives the inputs; --inputs contradicts it/],
  [['kernel', '--dataset', 'digits', '--samples', '20000'], 2, /--samples 20000: --dataset digits has 10\d{3} samples/],
  [['kernel', '--dataset', 'mnist'], 2, /--dataset <name>' argument 'mnist' is invalid/],
  [['kernel', '--inputs', 'circle:10', '--input-dim', '1'], 2, /--inputs circle:10: points on a circle need --input-dim 2 or more/],
  [['kernel', '--inputs2', 'sphere:10'], 2, /--inputs2 sphere:N: points on a sphere are drawn for --inputs only/],
  [['kernel', '--labels', other.threeLabels], 2, /--labels .*three\.txt: 3 labels for 100 samples/],
  [['kernel', '--labels', dir], 1, /--labels \S+: is a directory$/],
  [['heatmap', '--sort-by', 'label'], 2, /--sort-by label needs labels/],
  [['kernel', '--samples', '10', '--labels', other.tenLabels, '--rows', '0:5'], 2, /--rows and --cols compute a block; --labels \(and their alignment\) go with the whole kernel/],
  [['angle', '--input-dim', '1'], 2, /--input-dim: the angle lies in a plane/],
  [['angle', '--lr', '0.1'], 2, /--lr goes with --steps/],
  // Outputs never replace inputs or each other, read-only files are kept, full disks are seen first.
  [['kernel', '--inputs', files.samples, '--out', files.samples], 2, /--inputs .*x\.npy is also written as --out .*x\.npy: writing it would replace the input/],
  [['kernel', '--save-inputs', 's.npy', '--out', 's.npy'], 2, /--save-inputs s\.npy is also written as --out s\.npy: each output needs its own path/],
  [['heatmap', '--inputs', files.samples, '--matrix', files.samples], 2, /x\.npy is also .* writing it would replace the input/],
  [['heatmap', '--save-inputs', 'same.npy', '--matrix', './same.npy'], 2, /each output needs its own path/],
  [['merge', ...blocks, '--out', blocks[0]], 2, /block-0-10\.npy is also .*: writing it would replace the input/],
  [['merge', blocks[0], otherSeed, '--out', 'm.npy'], 1, /block-seed1\.npy comes from another run than .*block-0-10\.npy \(its network, inputs or kernel options differ\)/],
  [['kernel', '--out', files.readOnly], 1, /--out .*kept\.npy: is read-only \(mode 444\); it is not replaced/],
  [['kernel', '--samples', '1048576', '--out', 'huge.npy'], 1, /--out huge\.npy: needs 4\.4 TB, the file system has .* free/],
  [['kernel', '--out', full.npy], 1, /--out .*full\.npy: cannot write: no space left on the device/],
  [['kernel', '--out', full.npy, '--dtype', 'float64'], 1, /--out .*full\.npy: cannot write: no space left on the device/],
  [['heatmap', '--out', full.png, '--json'], 1, /--out .*full\.png: cannot write: no space left on the device/],
  // Files that are not what the flag reads, and values that are not numbers.
  [['kernel', '--inputs', files.typo], 1, /--inputs .*typo\.csv: line 1, column 2: '2\.2\.2' is not a number/],
  [['render', files.typo], 1, /typo\.csv: line 1, column 2: '2\.2\.2' is not a number/],
  [['kernel', '--inputs', files.hex], 1, /hex\.csv: line 1, column 1: '0x10' is not a number/],
  [['kernel', '--inputs', files.nanCsv], 1, /--inputs .*nan\.csv: line 3, column 2 is NaN/],
  [['kernel', '--inputs', files.hugeCsv], 1, /--inputs .*huge\.csv: line 2, column 2 is -4e\+39, beyond float32's range/],
  [['render', files.picture], 1, /picture\.png: is a PNG image, not a matrix \(\.npy, \.csv, or the \.json `kernel` writes\)/],
  [['kernel', '--inputs', dir], 1, /--inputs .*: is a directory, not a matrix file/],
  [['kernel', '--weights', files.checkpoint], 1, /--weights .*model\.pt: is a ZIP archive \(PyTorch's torch\.save writes these\), not a \.safetensors file; save the state dict with safetensors\.torch\.save_file/],
  [['kernel', '--weights', files.pickle], 1, /--weights .*model\.pkl: is a Python pickle, not a \.safetensors file/],
  // Training that diverges is an error, not a chart of NaN.
  [['drift', '--widths', '16,64', '--lr', '100', '--steps', '50', '--seeds', '2'], 1, /--lr 100: gradient descent diverged: the training loss (was .* at|grew from .* by) step \d+ with learning rate 100; a smaller --lr converges/],
  [['predict', '--train', goodInputs, '--targets', other.predictTargets, '--test', goodInputs, '--train-network', '--steps', '50', '--lr', '1000'], 1, /--lr 1000: gradient descent diverged.*a smaller --lr converges/],
  // Gates.
  [['heatmap', '--fail-if', 'kernel.min >> 1'], 2, /option '--fail-if <condition>' argument 'kernel\.min >> 1' is invalid\. expected KEY OP NUMBER/],
  [['heatmap', '--fail-if', 'condition_number > lots'], 2, /--fail-if <condition>' argument 'condition_number > lots' is invalid/],
  // Numbers beyond what the output holds, routine input refused, contradictions.
  [['kernel', '--width', 'inf', '--parameterization', 'ntk', '--sigma-w', '4', '--depth', '70', '--out', 'k.npy'], 1, /the infinite-width kernel reaches [\d.]+e\+6\d, beyond float32's range \(3\.4e38\).*lower --sigma-w or --depth/],
  [['drift', '--widths', '16,64', '--lr', '3', '--seeds', '2'], 1, /--lr 3: gradient descent diverged: the training loss grew from [\d.]+ to [\d.e+]+ by step \d+ with learning rate 3; a smaller --lr converges/],
  [['kernel', '--inputs', 'circle:abc'], 2, /--inputs circle:abc: circle:N needs a whole number N ≥ 1$/],
  [['kernel', '--inputs', 'circle:-1'], 2, /--inputs circle:-1: circle:N needs a whole number N ≥ 1$/],
  [['kernel', '--inputs', 'sphere:0'], 2, /--inputs sphere:0: sphere:N needs a whole number N ≥ 1$/],
  [['spectrum', 'nan-kernel.csv', '--out', 's.png'], 1, /^ntk-cli: error: nan-kernel\.csv: line 2, column 2 is NaN$/],
  [['predict', '--train', goodInputs, '--targets', other.predictTargets, '--test', goodInputs, '--format', 'json', '--out', 'p.npy'], 2, /--format json contradicts --out p\.npy/],
  [['heatmap', '--bare', '--title', 'x'], 2, /--bare draws the cells alone, one pixel each: --title contradicts it/],
  [['render', ramp, '--bare', '--size', '100x100'], 2, /--bare draws the cells alone, one pixel each: --size contradicts it/],
  [['kernel', '--width', 'inf', '--parameterization', 'ntk', '--backend', 'webgpu'], 2, /--backend webgpu computes the kernels of finite networks; --width inf is computed in closed form/],
  [['kernel', '--out', '/sys/k.npy'], 1, /--out \/sys\/k\.npy: directory \/sys is (not writable \(permission denied\)|on a read-only file system)$/],
  // Memory.
  [['spectrum', 'k40.npy', '--max-memory', '0.0001', '--out', 's.png'], 1, /more than --max-memory \(0\.00010 GB\); ask for the largest few with --top K, or raise --max-memory$/],
  [['spectrum', 'k40.npy', '--top', '2', '--max-memory', '0.0001', '--out', 's.png'], 1, /more than --max-memory \(0\.00010 GB\); raise --max-memory$/],
  [['predict', '--train', goodInputs, '--targets', other.predictTargets, '--test', goodInputs, '--max-memory', '0.0001'], 1, /more than --max-memory \(0\.00010 GB\); fewer training points, or raise --max-memory$/],
  [['kernel', '--samples', '20000', '--input-dim', '784', '--width', '2048', '--max-memory', '0.1', '--out', 'k.npy'], 1, /^(?!.*float32 \.npy).*more than --max-memory \(0\.10 GB\); lower --samples, or raise --max-memory$/],
  [['heatmap', '--samples', '20000', '--input-dim', '784', '--width', '2048', '--max-memory', '1'], 1, /this run needs about \d+\.\d GB \(.*kernel 1\.60.*\), more than --max-memory \(1\.0 GB\); compute it with `ntk-cli kernel --out k\.npy` \(streams to disk\), lower --samples/],
);
fs.mkdirSync(path.join(dir, 'adir.npy'));

/** Runs the CLI as an unprivileged user when the tests run as root, so that a read-only directory means it. */
function runAsUser(args: string[]) {
  const root = process.getuid?.() === 0;
  fs.chmodSync(noWrite, 0o555);
  return runCli(args, root ? { uid: 65534, gid: 65534 } : {});
}

/** Whether the unprivileged user can run the CLI at all (not when the checkout sits in a directory only root may enter). */
function unprivilegedCanRun(): boolean {
  return process.getuid?.() !== 0 || runCli(['--version'], { uid: 65534, gid: 65534, cwd: dir }).status === 0;
}

/** Every file under the working directory with its size and modification time: what a failed run must not change. */
function snapshot(): string {
  const entries: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const stat = fs.lstatSync(p);
      if (stat.isDirectory()) walk(p);
      entries.push(`${path.relative(dir, p)} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  walk(dir);
  return entries.join('\n');
}

for (const [args, status, message] of cases) {
  test(`ntk-cli ${args.map((a) => path.basename(a) || a).join(' ')} → exit ${status}`, (t) => {
    const readOnlyCase = args.includes(path.join(noWrite, 'k.npy'));
    if (readOnlyCase && !unprivilegedCanRun()) {
      t.skip('running as root in a checkout the unprivileged user cannot enter: a read-only directory cannot be simulated');
      return;
    }
    const before = snapshot();
    const run = readOnlyCase ? runAsUser(args) : runCli(args, { cwd: dir });
    assert.equal(run.status, status, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^ntk-cli: error: /);
    assert.match(lines[0], message);
    assert.equal(run.stdout, '');
    assert.equal(snapshot(), before, 'the working directory changed');
  });
}

test('no failed run left an output behind', () => {
  for (const name of ['k.npy', 'k.csv', 'ntk.npy', 'ntk.png', 'heatmap.png', 'k.bmp', 's.npy', 'same.npy', 'm.npy', 'huge.npy']) {
    assert.equal(fs.existsSync(path.join(dir, name)), false, name);
  }
  assert.deepEqual(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
  assert.equal(fs.readFileSync(files.readOnly, 'utf8'), 'an earlier result nobody may overwrite\n');
  assert.deepEqual(fs.readdirSync(noWrite), []);
});

test('--debug adds the stack trace; without it there is none', () => {
  const plain = runCli(['render', npyFiles.garbage]);
  const debug = runCli(['render', npyFiles.garbage, '--debug']);
  assert.equal(plain.stderr.trim().split('\n').length, 1);
  assert.ok(debug.stderr.trim().split('\n').length > 2);
  assert.match(debug.stderr, /at /);
});

/** Run the CLI with its stdout on `fd` (a file or a pipe end), capturing stderr. */
function runWithStdout(args: string[], stdout: number | 'pipe', readBytes?: number): Promise<{ status: number | null; stderr: string; got: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', stdout, 'pipe'] });
    let stderr = '';
    let got = 0;
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    if (child.stdout && readBytes !== undefined) {
      // Like `| head -c N`: read N bytes, then close the pipe.
      child.stdout.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got >= readBytes) child.stdout!.destroy();
      });
    }
    child.on('close', (status) => resolve({ status, stderr, got }));
  });
}

test('stdout that fails (a closed pipe, a full disk) gives one line naming stdout, and exit 1', async () => {
  const closed = await runWithStdout(['kernel', '--samples', '2000', '--out', '-'], 'pipe', 10);
  assert.equal(closed.status, 1, closed.stderr);
  assert.deepEqual(closed.stderr.trim().split('\n'), ['ntk-cli: error: cannot write to stdout: the reader closed it (EPIPE)']);
  const devFull = fs.openSync('/dev/full', 'w');
  try {
    for (const args of [['heatmap', '--json', '--out', path.join(dir, 'stdout-test.png')], ['kernel', '--samples', '20', '--out', '-'], ['render', ramp, '--out', '-']]) {
      const run = await runWithStdout(args, devFull);
      assert.equal(run.status, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.deepEqual(run.stderr.trim().split('\n'), ['ntk-cli: error: cannot write to stdout: no space left on the device'], args.join(' '));
    }
  } finally {
    fs.closeSync(devFull);
  }
  fs.rmSync(path.join(dir, 'stdout-test.png'), { force: true });
});

test('the file stdout is redirected to, named as --out, is stdout too: the summary goes to stderr, not into the replaced file; /dev/null is not', () => {
  const out = path.join(dir, 'redirected.csv');
  fs.writeFileSync(out, 'old');
  const fd = fs.openSync(out, 'r+');
  try {
    const run = spawnSync(process.execPath, [BIN, 'kernel', '--samples', '3', '--out', out], { cwd: dir, encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^NTK of .*; wrote \S+redirected\.csv\n$/);
  } finally {
    fs.closeSync(fd);
  }
  assert.equal(fs.readFileSync(out, 'utf8').trim().split('\n').length, 3);
  // Discarded output to a discarded stdout: nothing to protect, --json allowed, nothing on stderr.
  const devNull = fs.openSync('/dev/null', 'w');
  try {
    const quiet = spawnSync(process.execPath, [BIN, 'kernel', '--samples', '3', '--out', '/dev/null', '--json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', devNull, 'pipe'] });
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
  } finally {
    fs.closeSync(devNull);
  }
});

test('standard output named by a path (/dev/stdout) is standard output: the summary goes to stderr, and --json is refused with it', () => {
  // Through a real pipe (as `| cat`: Node's own child pipes are sockets, which /dev/stdout cannot open).
  const viaPipe = (args: string[]) => spawnSync('/bin/sh', ['-c', '"$0" "$@" | cat', process.execPath, BIN, ...args], { cwd: dir, encoding: 'utf8' });
  const run = viaPipe(['kernel', '--samples', '3', '--out', '/dev/stdout']);
  assert.equal(run.status, 0, run.stderr);
  // Exactly the 3×3 CSV on stdout; the summary line on stderr.
  const rows = run.stdout.trim().split('\n');
  assert.equal(rows.length, 3, run.stdout);
  assert.ok(rows.every((row) => row.split(',').length === 3 && row.split(',').every((v) => Number.isFinite(Number(v)))), run.stdout);
  assert.match(run.stderr, /wrote \/dev\/stdout/);
  // Redirected to a file (>> included), /dev/stdout is written through stdout, after what the file holds.
  const log = path.join(dir, 'appended.log');
  fs.writeFileSync(log, 'line1\n');
  const appended = fs.openSync(log, 'a');
  try {
    const run2 = spawnSync(process.execPath, [BIN, 'kernel', '--samples', '2', '--out', '/dev/stdout', '-q'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', appended, 'pipe'] });
    assert.equal(run2.status, 0, run2.stderr);
  } finally {
    fs.closeSync(appended);
  }
  assert.deepEqual(fs.readFileSync(log, 'utf8').split('\n').map((line) => line.split(',').length), [1, 2, 2, 1]);
  // Redirected to a file, /dev/stdout takes the format stdout gets: a PNG picture, a CSV kernel.
  for (const [args, check] of [
    [['heatmap', '--samples', '5'], (bytes: Buffer) => assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')])],
    [['kernel', '--samples', '3'], (bytes: Buffer) => assert.equal(bytes.toString('utf8').trim().split('\n').length, 3)],
  ] as const) {
    const file = path.join(dir, 'redirected-stdout.out');
    const fd = fs.openSync(file, 'w');
    try {
      const redirected = spawnSync(process.execPath, [BIN, ...args, '--out', '/dev/stdout'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
      assert.equal(redirected.status, 0, redirected.stderr);
      assert.match(redirected.stderr, /wrote \/dev\/stdout/);
    } finally {
      fs.closeSync(fd);
    }
    check(fs.readFileSync(file));
  }
  for (const args of [['kernel', '--samples', '3', '--out', '/dev/stdout', '--json'], ['heatmap', '--out', '/proc/self/fd/1', '--json']]) {
    const refused = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
    assert.equal(refused.status, 2, args.join(' '));
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^ntk-cli: error: --out \S+ is standard output, where --json writes its report; choose one\n$/);
  }
});

test('standard output redirected to a writable file in a directory the user may not write is written in place, not refused for the directory', { skip: process.getuid?.() === 0 && !unprivilegedCanRun() ? 'the unprivileged user cannot run the CLI from this checkout' : false }, () => {
  // The shell opened the file: writing through it needs no temporary beside it, as replacing a file would.
  const locked = path.join(dir, 'locked-dir');
  fs.mkdirSync(locked, { recursive: true });
  const file = path.join(locked, 'picture.png');
  fs.writeFileSync(file, '');
  const root = process.getuid?.() === 0;
  if (root) fs.chownSync(file, 65534, 65534);
  fs.chmodSync(locked, 0o555);
  try {
    for (const out of ['/dev/stdout', file]) {
      const fd = fs.openSync(file, 'w');
      try {
        const run = spawnSync(process.execPath, [BIN, 'heatmap', '--samples', '5', '--out', out], { cwd: dir, encoding: 'utf8', stdio: ['ignore', fd, 'pipe'], ...(root ? { uid: 65534, gid: 65534 } : {}) });
        assert.equal(run.status, 0, `${out}: ${run.stderr}`);
      } finally {
        fs.closeSync(fd);
      }
      assert.deepEqual([...fs.readFileSync(file).subarray(1, 4)], [...Buffer.from('PNG')], out);
    }
  } finally {
    fs.chmodSync(locked, 0o755);
  }
});

test('--inputs - with standard input redirected from the output file is refused: the inputs are not replaced', () => {
  const inputs = path.join(dir, 'stdin-inputs.csv');
  fs.writeFileSync(inputs, '1,2\n3,4\n0.5,1\n');
  const fd = fs.openSync(inputs, 'r');
  try {
    const run = spawnSync(process.execPath, [BIN, 'kernel', '--inputs', '-', '--input-dim', '2', '--out', inputs], { cwd: dir, encoding: 'utf8', stdio: [fd, 'pipe', 'pipe'] });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--inputs - is also written as --out .*: writing it would replace the input/);
  } finally {
    fs.closeSync(fd);
  }
  assert.equal(fs.readFileSync(inputs, 'utf8'), '1,2\n3,4\n0.5,1\n');
});

test('merge refuses a pipe as --out (its blocks go in by offset into a file renamed over the target): the pipe stays a pipe', () => {
  const blocks = ['0:6', '6:12'].map((rows, k) => {
    const file = path.join(dir, `merge-block-${k}.npy`);
    assert.equal(runCli(['kernel', '--samples', '12', '--rows', rows, '--out', file, '--quiet']).status, 0);
    return file;
  });
  const fifo = path.join(dir, 'merge-fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const run = runCli(['merge', ...blocks, '--out', fifo]);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /^ntk-cli: error: --out \S+merge-fifo: merge writes a regular \.npy file .*not a device, a pipe or standard output\n$/);
  assert.ok(fs.lstatSync(fifo).isFIFO());
});

test('merge refuses a damaged block (a NaN, which no kernel run writes) with its place, and writes nothing', () => {
  const blocks = ['0:6', '6:12'].map((rows, k) => {
    const file = path.join(dir, `merge-nan-block-${k}.npy`);
    assert.equal(runCli(['kernel', '--samples', '12', '--rows', rows, '--out', file, '--quiet']).status, 0);
    return file;
  });
  const damaged = path.join(dir, 'merge-damaged.npy');
  const values = Float32Array.from(parseNpy(fs.readFileSync(blocks[0])).data);
  values[3 * 12 + 4] = NaN;
  fs.writeFileSync(damaged, encodeNpy(values, [6, 12]));
  fs.copyFileSync(`${blocks[0]}.json`, `${damaged}.json`);
  const nan = runCli(['merge', damaged, blocks[1], '--out', path.join(dir, 'merge-out.npy')]);
  assert.equal(nan.status, 1, nan.stderr);
  assert.match(nan.stderr, /^ntk-cli: error: \S+merge-damaged\.npy: \[3, 4\] is NaN\n$/);
  assert.ok(!fs.existsSync(path.join(dir, 'merge-out.npy')));
});

test('two inputs that both read stdin are refused, whichever command reads them', () => {
  const kernel = path.join(dir, 'stdin-kernel.csv');
  assert.equal(runCli(['kernel', '--samples', '4', '--out', kernel]).status, 0);
  const run = runCli(['spectrum', '-', '--targets', '-', '--out', path.join(dir, 'never.png')], { input: fs.readFileSync(kernel) });
  assert.equal(run.status, 2);
  assert.equal(run.stderr, 'ntk-cli: error: MATRIX - and --targets -: only one input can read stdin\n');
  assert.equal(fs.existsSync(path.join(dir, 'never.png')), false);
});

test("the memory guard's estimate of the naive method bounds its peak: the Jacobian is read row by row", () => {
  const args = ['kernel', '--input-dim', '100', '--width', '256', '--depth', '2', '--method', 'naive', '--samples', '800', '--out', path.join(dir, 'naive.npy')];
  const refused = runCli([...args, '--max-memory', '0.001']);
  const estimate = Number(/needs about (\d+(?:\.\d+)?) GB/.exec(refused.stderr)?.[1]);
  assert.ok(estimate > 0, refused.stderr);
  const peakFile = path.join(dir, 'naive-peak.txt');
  const run = runCli([...args, '--max-memory', String(estimate)], { peakFile });
  assert.equal(run.status, 0, run.stderr);
  const peak = (Number(fs.readFileSync(peakFile, 'utf8')) * 1024) / 1e9;
  assert.ok(peak <= estimate, `peak ${peak.toFixed(2)} GB against the estimate ${estimate} GB`);
});
