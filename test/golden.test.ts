/**
 * The README's pictures: each `![COMMAND](fixtures/render/FILE.png)` whose
 * alt text is an ntk-cli command is run from the repository root, with its
 * outputs sent to a temporary directory, and must reproduce FILE byte for byte
 * (node-canvas 3.2, cairo and zlib from Debian 12, DejaVu Sans from npm). The
 * command must also be shown as a caption (in backticks) in the README.
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
import { FIXTURES, ROOT, runCli, tempDir } from './helpers';

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

/** Pixels that differ between two PNGs (for the message when their bytes do). */
function differingPixels(a: Buffer, b: Buffer): string {
  const [x, y] = [PNG.sync.read(a), PNG.sync.read(b)];
  if (x.width !== y.width || x.height !== y.height) return `${x.width}×${x.height} against ${y.width}×${y.height}`;
  let count = 0;
  for (let i = 0; i < x.data.length; i += 4) if (x.data.readUInt32BE(i) !== y.data.readUInt32BE(i)) count++;
  return `${count} pixels differ`;
}

const pictures = readmePictures();
const dir = tempDir();

test('the README shows pictures made by ntk-cli, each with its command as a caption', () => {
  assert.ok(pictures.size >= 10, `${pictures.size} commands`);
  for (const command of pictures.keys()) assert.ok(README.includes(`\`${command}\``), `no caption \`${command}\``);
});

for (const [command, files] of pictures) {
  test(`${files.join(', ')}: \`${command}\` reproduces it byte for byte`, () => {
    const args = shellWords(command).slice(1);
    // Outputs go to the temporary directory under their own names; inputs stay relative to the root.
    const outputs = new Map<string, string>();
    for (let i = 0; i < args.length - 1; i++) {
      if (args[i] === '--out' || args[i] === '--strip') {
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
      assert.ok(actual.equals(expected), `${file}: ${differingPixels(actual, expected)}`);
    }
  });
}
