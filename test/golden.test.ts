/**
 * The README's pictures: each `![COMMAND](fixtures/render/FILE.png)` whose
 * alt text is an ntk-cli command is run from the repository root, with its
 * outputs sent to a temporary directory, and must reproduce FILE (node-canvas
 * 3.2 and cairo from Debian 12, DejaVu Sans from npm, the PNG written by
 * ntk-cli's native helper with Node 20's zlib). The command must also be shown
 * as a caption (in backticks) in the README.
 *
 * A picture drawn from committed numbers (`render` of a fixture matrix) must
 * be the same bytes; where the native helper is not built (node-canvas's own
 * encoder writes other bytes) or Node's zlib is another, the same pixels. A
 * picture whose numbers are computed here goes through OpenBLAS, whose
 * kernels (chosen by CPU) differ in the last bits, and through
 * threads and quadrature; those are compared as matplotlib's test suite
 * compares images (`compare_images`: the RMS of the decoded pixels'
 * differences), with a bound on the pixels that differ at all: an RMS of at
 * most GOLDEN_RMS on the 0–255 scale and at most GOLDEN_PIXELS changed pixels.
 * A moved tick, label or line breaks both.
 *
 * After a deliberate change to the drawing, regenerate the pictures with
 *   UPDATE_GOLDEN=1 node --test dist/test/golden.test.js
 * and look at every one before committing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { nativeHelpers } from '../src/native';
import { FIXTURES, ROOT, runCli, tempDir } from './helpers';

/**
 * Whether ntk-cli writes its PNGs as the fixtures were written: the native helper's encoder, on the
 * zlib Node 20.20 carries (another zlib deflates the same pixels into other bytes).
 */
const FIXTURES_ZLIB = '1.3.1-e00f703';
const nativePng = typeof nativeHelpers()?.encodePng === 'function' && process.versions.zlib === FIXTURES_ZLIB;

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Split a command line as a POSIX shell would for plain words and "…" or '…' quoted ones. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]);
  return words;
}

/** Every README picture made by ntk-cli, grouped by the command that makes it. */
function readmePictures(): Map<string, string[]> {
  const byCommand = new Map<string, string[]>();
  for (const [, command, file] of README.matchAll(/!\[(ntk-cli [^\]]+)\]\(fixtures\/render\/([\w.-]+\.png)\)/g)) {
    const files = byCommand.get(command) ?? [];
    if (!files.includes(file)) files.push(file);
    byCommand.set(command, files);
  }
  return byCommand;
}

/** Tolerances for computed pictures (see above). */
const GOLDEN_RMS = 0.2;
const GOLDEN_PIXELS = 200;

interface PixelDifference {
  sameSize: boolean;
  changed: number;
  /** √(mean of squared channel differences), RGBA channels on 0–255. */
  rms: number;
  text: string;
}

/** How two PNGs differ, pixel by pixel. */
function pixelDifference(a: Buffer, b: Buffer): PixelDifference {
  const [x, y] = [PNG.sync.read(a), PNG.sync.read(b)];
  if (x.width !== y.width || x.height !== y.height) return { sameSize: false, changed: Infinity, rms: Infinity, text: `${x.width}×${x.height} against ${y.width}×${y.height}` };
  let changed = 0;
  let squares = 0;
  for (let i = 0; i < x.data.length; i += 4) {
    let differs = false;
    for (let c = 0; c < 4; c++) {
      const d = x.data[i + c] - y.data[i + c];
      squares += d * d;
      differs ||= d !== 0;
    }
    if (differs) changed++;
  }
  const rms = Math.sqrt(squares / x.data.length);
  return { sameSize: true, changed, rms, text: `${changed} pixels differ, RMS ${rms.toFixed(3)}` };
}

/** Outputs a README command writes: each is sent to the temporary directory. */
const OUTPUT_FLAGS = new Set(['--out', '--strip', '--chart', '--matrix', '--variance', '--save-model', '--save-inputs', '--save-eigenvalues', '--save-eigenvectors']);

const pictures = readmePictures();
const dir = tempDir();

test('the README shows pictures made by ntk-cli, each with its command as a caption', () => {
  assert.ok(pictures.size >= 10, `${pictures.size} commands`);
  for (const command of pictures.keys()) assert.ok(README.includes(`\`${command}\``), `no caption \`${command}\``);
});

for (const [command, files] of pictures) {
  const args = shellWords(command).slice(1);
  const computed = args[0] !== 'render';
  test(`${files.join(', ')}: \`${command}\` reproduces it ${computed ? `within RMS ${GOLDEN_RMS} and ${GOLDEN_PIXELS} pixels` : 'byte for byte'}`, () => {
    // Outputs go to the temporary directory under their own names; inputs stay relative to the root.
    const outputs = new Map<string, string>();
    for (let i = 0; i < args.length - 1; i++) {
      if (OUTPUT_FLAGS.has(args[i])) {
        const name = path.basename(args[i + 1]);
        outputs.set(name, path.join(dir, name));
        args[i + 1] = outputs.get(name)!;
      }
    }
    const run = runCli(args, { cwd: ROOT });
    assert.equal(run.status, 0, run.stderr);
    for (const file of files) {
      const made = outputs.get(file);
      assert.ok(made, `\`${command}\` does not write ${file}`);
      const reference = path.join(FIXTURES, 'render', file);
      if (process.env.UPDATE_GOLDEN) fs.copyFileSync(made, reference);
      const [actual, expected] = [fs.readFileSync(made), fs.readFileSync(reference)];
      if (actual.equals(expected)) continue;
      const difference = pixelDifference(actual, expected);
      if (process.env.GOLDEN_REPORT) process.stderr.write(`${file}: ${difference.text}\n`);
      if (!computed && nativePng) assert.fail(`${file}: not the same bytes: ${difference.text}`);
      if (!computed) assert.ok(difference.sameSize && difference.changed === 0, `${file}: ${difference.text}`);
      assert.ok(difference.sameSize && difference.rms <= GOLDEN_RMS && difference.changed <= GOLDEN_PIXELS, `${file}: ${difference.text}`);
    }
  });
}
