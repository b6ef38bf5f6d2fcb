/**
 * Reference images, compared pixel for pixel with zero tolerance on this build
 * (node-canvas 3.2, cairo from Debian 12, DejaVu Sans from npm). After a
 * deliberate change to the drawing, regenerate them with
 *   UPDATE_GOLDEN=1 node --test dist/test/golden.test.js
 * and look at every image before committing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { FIXTURES, runCli, tempDir } from './helpers';

const GOLDEN: { file: string; args: string[] }[] = [
  { file: 'seed_ntk-cli.png', args: ['heatmap'] },
  { file: 'seed_log_viridis.png', args: ['heatmap', '--norm', 'log', '--vmin', '0.1', '--cmap', 'viridis', '--xlabel', 'sample j', '--ylabel', 'sample i'] },
  { file: 'ramp32_figure_RdBu.png', args: ['render', path.join(FIXTURES, 'render', 'ramp32.npy'), '--cmap', 'RdBu', '--reverse', '--title', 'ramp', '--size', '480x240'] },
  { file: 'converge.png', args: ['converge'] },
  { file: 'ramp64_figure_symlog.png', args: ['render', path.join(FIXTURES, 'render', 'ramp64.npy'), '--norm', 'symlog', '--linthresh', '0.01', '--dpi', '150'] },
];

const dir = tempDir();

for (const golden of GOLDEN) {
  test(`${golden.file} is unchanged, pixel for pixel`, () => {
    const out = path.join(dir, golden.file);
    const run = runCli([...golden.args, '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    const reference = path.join(FIXTURES, 'render', golden.file);
    if (process.env.UPDATE_GOLDEN) fs.copyFileSync(out, reference);
    const actual = PNG.sync.read(fs.readFileSync(out));
    const expected = PNG.sync.read(fs.readFileSync(reference));
    assert.deepEqual([actual.width, actual.height], [expected.width, expected.height]);
    let differing = 0;
    for (let i = 0; i < actual.data.length; i += 4) {
      if (actual.data.readUInt32BE(i) !== expected.data.readUInt32BE(i)) differing++;
    }
    assert.equal(differing, 0, `${differing} pixels differ from ${reference}`);
  });
}
