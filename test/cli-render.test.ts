import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { encodeNpy, npyHeader, parseNpy } from '../src/io/npy';
import { FIXTURES, runCli, tempDir } from './helpers';

const dir = tempDir();
const ramp = path.join(FIXTURES, 'render', 'ramp32.npy');

test('render --bare draws one pixel per cell of a non-square matrix', () => {
  const out = path.join(dir, 'bare.png');
  const run = runCli(['render', ramp, '--bare', '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).matrix.shape, [8, 256]);
  const png = PNG.sync.read(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height], [256, 8]);
});

test('render reads CSV with a header from stdin', () => {
  const out = path.join(dir, 'stdin.png');
  const csv = 'a,b,c\n1,2,3\n4,5,6\n';
  const run = runCli(['render', '-', '--bare', '--out', out], { input: csv });
  assert.equal(run.status, 0, run.stderr);
  const png = PNG.sync.read(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height], [3, 2]);
  assert.deepEqual(Array.from(png.data.subarray(0, 3)), [10, 0, 0]); // the minimum, top-left
  const last = (2 * 3 - 1) * 4;
  assert.deepEqual(Array.from(png.data.subarray(last, last + 3)), [255, 255, 255]); // the maximum
});

test('--out - writes PNG bytes alone to stdout and the summary to stderr', () => {
  const run = runCli(['render', ramp, '--out', '-']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(Array.from(run.stdoutBytes.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const png = PNG.sync.read(run.stdoutBytes);
  assert.deepEqual([png.width, png.height], [640, 480]);
  assert.match(run.stderr, /wrote PNG to stdout/);
});

test('two runs with the same arguments write byte-identical PNG, SVG and PDF files', () => {
  for (const ext of ['png', 'svg', 'pdf']) {
    const a = path.join(dir, `a.${ext}`);
    const b = path.join(dir, `b.${ext}`);
    assert.equal(runCli(['render', ramp, '--out', a]).status, 0);
    assert.equal(runCli(['render', ramp, '--out', b]).status, 0);
    assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)), ext);
  }
});


test("render reads the JSON kernel writes, and draws the same picture as from the .npy", () => {
  const npy = path.join(dir, 'k.npy');
  const json = path.join(dir, 'k.json');
  for (const out of [npy, json]) assert.equal(runCli(['kernel', '--samples', '30', '--out', out]).status, 0);
  const [fromNpy, fromJson] = [npy, json].map((file) => {
    const out = `${file}.png`;
    const run = runCli(['render', file, '--bare', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    return PNG.sync.read(fs.readFileSync(out));
  });
  assert.deepEqual([fromJson.width, fromJson.height], [30, 30]);
  assert.ok(Buffer.from(fromJson.data).equals(Buffer.from(fromNpy.data)));
});

test('--vmin beyond the data keeps a full colour scale, as matplotlib does', () => {
  const out = path.join(dir, 'vmin.png');
  const run = runCli(['render', ramp, '--vmin', '300', '--out', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const { norm } = JSON.parse(run.stdout).picture;
  // matplotlib shows (the data's top, less 10 %) … the limit.
  const top = Math.max(...parseNpy(fs.readFileSync(ramp)).data);
  assert.ok(Math.abs(norm.vmin - 0.9 * top) < 1e-12 && norm.vmax === 300, JSON.stringify(norm));
});

test('NaN and ±Inf cells are counted, and the summary says how a downsampled picture shows them', () => {
  const values = new Float32Array(1000 * 1000).map((_, i) => (i % 1000) / 1000);
  values[5] = NaN;
  values[7] = Infinity;
  values[9] = -Infinity;
  const file = path.join(dir, 'gaps.npy');
  fs.writeFileSync(file, encodeNpy(values, [1000, 1000]));
  const run = runCli(['render', file, '--out', path.join(dir, 'gaps.png')]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /1 cell NaN \(magenta only where a whole block is NaN\); 2 cells ±Inf \(drawn in the end colours\)/);
  const bare = runCli(['render', file, '--bare', '--out', path.join(dir, 'gaps-bare.png'), '--json']);
  const { picture } = JSON.parse(bare.stdout);
  assert.deepEqual([picture.nan_cells, picture.infinite_cells], [1, 2]);
});

test('--sort-by none on a .npy too large to read whole draws it streamed, as without the flag; --sort-by label without labels is refused first', () => {
  // 8200 × 8200 float32 is 269 MB, over the streaming threshold: a sparse file of zeros with a real header.
  const big = path.join(dir, 'big.npy');
  const header = npyHeader('float32', [8200, 8200]);
  fs.writeFileSync(big, header);
  fs.truncateSync(big, header.length + 8200 * 8200 * 4);
  const run = runCli(['render', big, '--sort-by', 'none', '--out', path.join(dir, 'big.png'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).matrix.shape, [8200, 8200]);
  const refused = runCli(['render', big, '--sort-by', 'label', '--out', path.join(dir, 'big2.png')]);
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, 'ntk-cli: error: --sort-by label needs labels: --labels\n');
  assert.equal(fs.existsSync(path.join(dir, 'big2.png')), false);
});

test("--cmap NAME_r is matplotlib's reversed map, as --reverse; the report names it alike, and a symlog picture's linthresh", () => {
  const matrix = path.join(dir, 'ramp.npy');
  fs.writeFileSync(matrix, encodeNpy(Float32Array.from({ length: 64 }, (_, i) => i - 20), [8, 8]));
  const draw = (args: string[], out: string) => {
    const run = runCli(['render', matrix, ...args, '--norm', 'symlog', '--out', path.join(dir, out), '--json']);
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout).picture;
  };
  const a = draw(['--cmap', 'RdBu_r'], 'a.png');
  const b = draw(['--cmap', 'RdBu', '--reverse'], 'b.png');
  assert.ok(fs.readFileSync(path.join(dir, 'a.png')).equals(fs.readFileSync(path.join(dir, 'b.png'))));
  assert.equal(a.cmap, 'RdBu (reversed)');
  assert.deepEqual(a, { ...b, file: a.file });
  // The default linthresh, 0.001 × max |value|, as drawn.
  assert.ok(Math.abs(a.norm.linthresh - 0.043) < 1e-15, String(a.norm.linthresh));
  const both = runCli(['render', matrix, '--cmap', 'RdBu_r', '--reverse', '--out', path.join(dir, 'c.png')]);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--reverse and --cmap RdBu_r both reverse the colormap/);
});

test('a title of several lines is stacked upward from where one line goes, each centred, clear of the cells', () => {
  const matrix = path.join(dir, 'titled.npy');
  fs.writeFileSync(matrix, encodeNpy(Float32Array.from({ length: 100 }, (_, i) => i % 7), [10, 10]));
  const draw = (title: string, out: string) => {
    assert.equal(runCli(['render', matrix, '--title', title, '--out', path.join(dir, out)]).status, 0);
    return PNG.sync.read(fs.readFileSync(path.join(dir, out)));
  };
  const one = draw('width 10, depth 2', 'one.png');
  const two = draw('Kernel\nwidth 10, depth 2', 'two.png');
  const rowInk = (png: PNG, y: number) => {
    let ink = 0;
    for (let x = 0; x < png.width; x++) if (png.data[(y * png.width + x) * 4] < 128) ink++;
    return ink;
  };
  let top = 0;
  while (rowInk(one, top) === 0) top++;
  // From the one-line title's top down, the pictures are the same: the second line went above it.
  assert.ok(one.data.subarray(top * one.width * 4).equals(two.data.subarray(top * two.width * 4)));
  let above = 0;
  for (let y = 0; y < top; y++) above += rowInk(two, y);
  assert.ok(above > 20, `ink above the last line: ${above}`);
});
