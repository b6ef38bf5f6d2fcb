import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { colormapByName, lutIndex } from '../src/render/colormaps';
import { heatmapLayout, renderHeatmap } from '../src/render/heatmap';
import { formatTicks, niceTicks } from '../src/render/ticks';
import { FIXTURES } from './helpers';

const reference = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'render', 'colormaps.json'), 'utf8')) as {
  tables: Record<string, number[][]>;
};

for (const name of ['hot', 'gray']) {
  test(`${name} table equals matplotlib's bytes`, () => {
    const { lut } = colormapByName(name);
    assert.deepEqual(
      Array.from({ length: 256 }, (_, i) => [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]]),
      reference.tables[name],
    );
  });
}

test("hot starts at (10, 0, 0), not black, and a reversed map runs backwards", () => {
  assert.deepEqual(Array.from(colormapByName('hot').lut.subarray(0, 3)), [10, 0, 0]);
  assert.deepEqual(Array.from(colormapByName('hot', true).lut.subarray(765, 768)), [10, 0, 0]);
});

test('lutIndex follows matplotlib: floor(t·256), 1 → 255, clipped', () => {
  assert.equal(lutIndex(0), 0);
  assert.equal(lutIndex(1 / 256 - 1e-12), 0);
  assert.equal(lutIndex(1 / 256), 1);
  assert.equal(lutIndex(1), 255);
  assert.equal(lutIndex(-3), 0);
  assert.equal(lutIndex(7), 255);
});

test('nice ticks use steps of 1, 2, 2.5 and 5 times a power of ten', () => {
  assert.deepEqual(niceTicks(-0.5, 99.5, 8), [0, 20, 40, 60, 80]);
  assert.deepEqual(niceTicks(0, 13.57, 9), [0, 2, 4, 6, 8, 10, 12]);
  assert.deepEqual(niceTicks(0, 1, 4), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(formatTicks([0, 0.25, 0.5]).labels, ['0.00', '0.25', '0.50']);
  assert.deepEqual(formatTicks([0, 2e-6, 4e-6]), { labels: ['0', '2', '4'], exponent: -6 });
  assert.deepEqual(formatTicks([-1, 0, 1]).labels, ['\u22121', '0', '1']);
});

function decode(buffer: Buffer): PNG {
  return PNG.sync.read(buffer);
}

function pixel(png: PNG, x: number, y: number): number[] {
  const o = (y * png.width + x) * 4;
  return Array.from(png.data.subarray(o, o + 3));
}

test("the default layout is matplotlib's: a 369.6 px square image and a 20:1 colorbar", () => {
  const { image, bar } = heatmapLayout(100, 100, 640, 480);
  // matplotlib 3.6 reports the image axes at (107.2, 57.6) size 369.6 × 369.6 and the colorbar
  // at x = 501.6, 18.48 × 369.6 (get_window_extent, y flipped to run down).
  assert.deepEqual(image, { x: 107, y: 58, w: 370, h: 369 });
  assert.deepEqual(bar, { x: 502, y: 58, w: 18, h: 369 });
});

test("the heatmap PNG draws every cell's colour, 256 colorbar bands, a title and tick labels", () => {
  const n = 4;
  const values = Float32Array.from({ length: n * n }, (_, i) => i); // minimum top-left, maximum bottom-right
  const png = decode(renderHeatmap({ values, rows: n, cols: n }));
  assert.equal(png.width, 640);
  assert.equal(png.height, 480);
  const { image, bar } = heatmapLayout(n, n, 640, 480);
  const hot = colormapByName('hot').lut;
  const entry = (i: number) => Array.from(hot.subarray(i * 3, i * 3 + 3));
  const cell = image.w / n;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const expected = entry(lutIndex((r * n + c) / 15));
      assert.deepEqual(pixel(png, Math.floor(image.x + (c + 0.5) * cell), Math.floor(image.y + (r + 0.5) * cell)), expected, `cell ${r},${c}`);
    }
  }
  // Colorbar: 256 equal bands, entry 0 at the bottom and 255 at the top, under a thin frame.
  const barMid = bar.x + Math.floor(bar.w / 2);
  for (let py = 2; py < bar.h - 2; py++) {
    const band = Math.floor(((bar.h - 1 - py + 0.5) / bar.h) * 256);
    assert.deepEqual(pixel(png, barMid, bar.y + py), entry(band), `colorbar row ${py}`);
  }
  assert.deepEqual(pixel(png, barMid, bar.y + bar.h - 3), entry(1));
  // Glyphs: dark pixels in the band above the image, where the title goes.
  let dark = 0;
  for (let y = 0; y < image.y - 2; y++) for (let x = image.x; x < image.x + image.w; x++) if (pixel(png, x, y)[0] < 128) dark++;
  assert.ok(dark > 50, `title glyph pixels: ${dark}`);
  // And tick labels below the image.
  dark = 0;
  for (let y = image.y + image.h + 8; y < image.y + image.h + 25; y++) for (let x = image.x; x < image.x + image.w; x++) if (pixel(png, x, y)[0] < 128) dark++;
  assert.ok(dark > 20, `tick label pixels: ${dark}`);
});

test('the same arguments give byte-identical PNGs', () => {
  const values = Float32Array.from({ length: 25 }, (_, i) => Math.sin(i));
  const a = renderHeatmap({ values, rows: 5, cols: 5 });
  const b = renderHeatmap({ values, rows: 5, cols: 5 });
  assert.ok(a.equals(b));
});
