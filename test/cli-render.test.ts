import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
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

