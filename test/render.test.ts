import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { colormapByName, lutIndex } from '../src/render/colormaps';
import { heatmapLayout, renderHeatmap } from '../src/render/heatmap';
import { colorbarTicks } from '../src/render/axes';
import { axisTicks } from '../src/render/plot/scales';
import { FIXTURES, loadCaseArray } from './helpers';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { npyRowChunks } from '../src/io/npyRows';
import { blockReduce, streamedMatrix } from '../src/render/downsample';
import { normaliser, NormError, resolveNorm, resolveNormForRange } from '../src/render/normalize';

const reference = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'render', 'colormaps.json'), 'utf8')) as {
  tables: Record<string, number[][]>;
};

/**
 * matplotlib writes two ColorBrewer colours a hair below k/255 (Reds' darkest blue 0.05098039215686274,
 * YlOrBr's 0.02352941176470588), which its truncation to bytes turns into one less than chroma-js's
 * exact colour gives: one byte of one entry.
 */
const ONE_BYTE_APART = new Set(['Reds', 'Reds_r', 'YlOrBr', 'YlOrBr_r']);

for (const name of Object.keys(reference.tables)) {
  test(`${name} table equals matplotlib's bytes${ONE_BYTE_APART.has(name) ? ' but for one byte, by one' : ''}`, () => {
    const { lut } = name.endsWith('_r') ? colormapByName(name.slice(0, -2), true) : colormapByName(name);
    const ours = Array.from({ length: 256 }, (_, i) => [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]]);
    if (!ONE_BYTE_APART.has(name)) return assert.deepEqual(ours, reference.tables[name]);
    const differences = ours.flat().map((v, k) => v - reference.tables[name]!.flat()[k]!).filter((d) => d !== 0);
    assert.deepEqual(differences, [1]);
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

const axisFixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'render', 'axis_ticks.json'), 'utf8'));
const axisCases = axisFixture.cases as {
  rows: number; cols: number; vmin: number; vmax: number; norm: [number, number];
  x: { value: number; label: string }[]; y: { value: number; label: string }[]; bar: { value: number; label: string }[];
  x_offset: string; y_offset: string; bar_offset: string;
}[];

for (const c of axisCases) {
  test(`a ${c.rows}×${c.cols} heatmap over [${c.vmin}, ${c.vmax}]: its axes' and colorbar's ticks, labels and offset text are matplotlib's`, () => {
    const { image, bar } = heatmapLayout(c.rows, c.cols, 640, 480);
    const pt = 100 / 72;
    const norm = resolveNormForRange([c.vmin, c.vmax], {});
    assert.deepEqual([norm.vmin, norm.vmax], c.norm, 'the colour scale, widened where it is degenerate');
    const same = (got: { ticks: number[]; labels: string[]; offsetText: string }, want: { value: number; label: string }[], offset: string, what: string) => {
      assert.equal(got.ticks.length, want.length, `${what}: ${got.ticks} against ${want.map((t) => t.value)}`);
      got.ticks.forEach((v, i) => assert.ok(Math.abs(v - want[i]!.value) <= 1e-9 * Math.max(1, Math.abs(v)), `${what} tick ${i}: ${v} against ${want[i]!.value}`));
      assert.deepEqual(got.labels, want.map((t) => t.label), what);
      assert.equal(got.offsetText, offset, `${what}: offset text`);
    };
    // The image axes: axisTicks on a linear axis over the cells' extent, what axes.ts asks of it (before
    // it drops labels that would overlap, which matplotlib keeps).
    const flat = ({ major, offsetText }: ReturnType<typeof axisTicks>) => ({ ticks: major.map((t) => t.value), labels: major.map((t) => t.label.text), offsetText });
    same(flat(colorbarTicks(norm, bar.h, pt)), c.bar, c.bar_offset, 'colorbar');
    same(flat(axisTicks({ scale: 'linear' }, [-0.5, c.cols - 0.5], image.w / pt, 'x')), c.x, c.x_offset, 'x axis');
    same(flat(axisTicks({ scale: 'linear' }, [-0.5, c.rows - 0.5], image.h / pt, 'y')), c.y, c.y_offset, 'y axis');
  });
}

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
  const png = decode(renderHeatmap({ values, rows: n, cols: n }).image);
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
    const band = 255 - Math.floor(((py + 0.5) * 256) / bar.h);
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
  const a = renderHeatmap({ values, rows: 5, cols: 5 }).image;
  const b = renderHeatmap({ values, rows: 5, cols: 5 }).image;
  assert.ok(a.equals(b));
});

// --- Normalisation, downsampling, bare images and the matplotlib figure ---


function readRgb(buffer: Buffer): { width: number; height: number; rgb: (x: number, y: number) => string } {
  const png = decode(buffer);
  return { width: png.width, height: png.height, rgb: (x, y) => pixel(png, x, y).join() };
}

for (const [data, reference, cmap] of [
  ['ramp32.npy', 'ramp32_matplotlib.png', 'hot'],
  ['ramp64.npy', 'ramp64_matplotlib.png', 'hot'],
  ['ramp32.npy', 'ramp32_viridis_matplotlib.png', 'viridis'],
]) {
  test(`bare ${data} in ${cmap} equals matplotlib's cmap(norm(A), bytes=True), cell by cell`, () => {
    const array = parseNpy(fs.readFileSync(path.join(FIXTURES, 'render', data)));
    const [rows, cols] = array.shape;
    const ours = readRgb(renderHeatmap({ values: array.data, rows, cols }, { bare: true, cmap }).image);
    const theirs = readRgb(fs.readFileSync(path.join(FIXTURES, 'render', reference)));
    assert.deepEqual([ours.width, ours.height], [cols, rows]);
    let differing = 0;
    for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) if (ours.rgb(x, y) !== theirs.rgb(x, y)) differing++;
    assert.equal(differing, 0);
  });
}

test("every cell of the default figure has the colour of matplotlib's figure of the same kernel", () => {
  const kernel = loadCaseArray('seed', 'kernel_float32.npy');
  const ours = readRgb(renderHeatmap({ values: kernel, rows: 100, cols: 100 }).image);
  const theirs = readRgb(fs.readFileSync(path.join(FIXTURES, 'render', 'seed_matplotlib.png')));
  // matplotlib puts the image at (107.2, 57.6), 369.6 px square; sample each cell's centre, kept two
  // pixels inside the frame, whose antialiased edge blends into the outermost pixel rows.
  const cell = 369.6 / 100;
  let differing = 0;
  for (let r = 0; r < 100; r++) {
    for (let c = 0; c < 100; c++) {
      const x = Math.min(475, Math.max(109, Math.round(107.2 + (c + 0.5) * cell)));
      const y = Math.min(425, Math.max(60, Math.round(57.6 + (r + 0.5) * cell)));
      if (ours.rgb(x, y) !== theirs.rgb(x, y)) differing++;
    }
  }
  assert.equal(differing, 0);
});

test('block reduction takes the mean or max of each block and skips NaN', () => {
  const values = Float64Array.from([1, 2, 3, 4, NaN, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  const matrix = { values, rows: 4, cols: 4 };
  assert.deepEqual(Array.from(blockReduce(matrix, 2, 2, 'mean').values), [(1 + 2 + 6) / 3, 5.5, 11.5, 13.5]);
  assert.deepEqual(Array.from(blockReduce(matrix, 2, 2, 'max').values), [6, 8, 14, 16]);
  // ±Inf in a mean: the sign with more cells decides; as many of each cancel over all the block's cells; never NaN.
  const infinite = { values: Float64Array.from([Infinity, 2, -Infinity, 1, -Infinity, 4, -Infinity, 3, NaN, NaN, 5, 5, NaN, NaN, 5, 5]), rows: 4, cols: 4 };
  assert.deepEqual(Array.from(blockReduce(infinite, 2, 2, 'mean').values), [(2 + 4) / 4, -Infinity, NaN, 5]);
  const uneven = blockReduce({ values: Float64Array.from({ length: 5 }, (_, i) => i), rows: 1, cols: 5 }, 1, 2, 'mean');
  assert.deepEqual(Array.from(uneven.values), [0.5, 3]); // columns {0,1} and {2,3,4}
});

test('a large matrix is block-reduced to the image pixels, and the summary says so', () => {
  const n = 1200;
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  const result = renderHeatmap({ values, rows: n, cols: n });
  const { image } = heatmapLayout(n, n, 640, 480);
  assert.deepEqual(result.downsampled, { mode: 'mean', from: [n, n], to: [image.h, image.w] });
  const max = renderHeatmap({ values, rows: n, cols: n }, { downsample: 'max' });
  // With max, the diagonal survives as the top colour; with mean it fades to ~1/3.
  const diag = readRgb(max.image).rgb(image.x + 100, image.y + 100);
  assert.equal(diag, '255,255,255');
  assert.notEqual(readRgb(result.image).rgb(image.x + 100, image.y + 100), '255,255,255');
});

test('log refuses non-positive data unless --vmin clips it; symlog is continuous at ±linthresh', () => {
  assert.throws(() => resolveNorm([0, 1, 10], { kind: 'log' }), NormError);
  const spec = resolveNorm([0, 1, 10], { kind: 'log', vmin: 0.1 });
  const t = normaliser(spec);
  assert.equal(t(0.1), 0);
  assert.equal(t(10), 1);
  assert.ok(Math.abs(t(1) - 0.5) < 1e-12);
  assert.ok(t(0) < 0); // below vmin: the under colour, entry 0
  const sym = normaliser(resolveNorm([-100, 100], { kind: 'symlog', linthresh: 1 }));
  assert.ok(Math.abs(sym(1 - 1e-12) - sym(1 + 1e-12)) < 1e-9);
  assert.ok(Math.abs(sym(0) - 0.5) < 1e-12);
});

test('a colour limit beyond the data keeps a valid scale, as matplotlib leaves it', () => {
  // Values read back from matplotlib 3.6 (imshow + colorbar, then im.norm.vmin/vmax).
  const cases: [number[], { vmin?: number; vmax?: number }, [number, number]][] = [
    [[0, 11], { vmin: 20 }, [9.9, 20]],
    [[100, 111], { vmax: 50 }, [45, 100]],
    [[-11, 0], { vmin: 20 }, [-0.1, 20]],
    [[0, 11], { vmin: 11 }, [9.9, 12.1]],
    [[0, 0], {}, [-0.1, 0.1]],
    [[0, 11], { vmin: -5 }, [-5, 11]],
  ];
  for (const [data, request, [lo, hi]] of cases) {
    const spec = resolveNorm(data, request);
    assert.ok(Math.abs(spec.vmin - lo) < 1e-12 && Math.abs(spec.vmax - hi) < 1e-12, `${JSON.stringify(request)} on ${data}: ${spec.vmin}…${spec.vmax}`);
  }
  const image = renderHeatmap({ values: Float32Array.from({ length: 12 }, (_, i) => i), rows: 3, cols: 4 }, { bare: true, norm: { vmin: 20 } }).image;
  const { rgb } = readRgb(image);
  assert.notEqual(rgb(0, 0), rgb(3, 2)); // not every cell in one colour
});

test('NaN cells are drawn in the bad colour and counted; a constant matrix renders', () => {
  const values = Float32Array.from([1, NaN, 3, 4]);
  const result = renderHeatmap({ values, rows: 2, cols: 2 }, { bare: true });
  assert.equal(result.nanCells, 1);
  assert.equal(readRgb(result.image).rgb(1, 0), '255,0,255');
  // Under a log norm too (a value ≤ 0 goes below the range; NaN stays the bad colour).
  const log = renderHeatmap({ values: Float32Array.from([1, NaN, 10, 100]), rows: 2, cols: 2 }, { bare: true, norm: { kind: 'log' } });
  assert.equal(readRgb(log.image).rgb(1, 0), '255,0,255');
  assert.equal(readRgb(log.image).rgb(0, 0), '10,0,0');
  const constant = renderHeatmap({ values: new Float32Array(9).fill(2), rows: 3, cols: 3 }, { bare: true });
  // matplotlib widens 2…2 to 1.8…2.2 and draws hot(0.5000001) = (255, 91, 0).
  assert.equal(readRgb(constant.image).rgb(1, 1), '255,91,0');
  assert.equal(decode(renderHeatmap({ values: new Float32Array(9).fill(2), rows: 3, cols: 3 }).image).width, 640);
});

test('SVG and PDF outputs are written and repeat byte for byte', () => {
  const values = Float32Array.from({ length: 9 }, (_, i) => i);
  const pdf = [0, 1].map(() => renderHeatmap({ values, rows: 3, cols: 3 }, {}, 'pdf').image);
  assert.equal(pdf[0].subarray(0, 5).toString(), '%PDF-');
  assert.ok(pdf[0].length > 1000 && pdf[0].equals(pdf[1]), 'two PDFs differ');
  // cairo numbers an SVG's surfaces and images with counters that run on within one process
  // (separate runs give identical bytes: cli-render.test.ts); everything else must match.
  const svg = [0, 1].map(() => renderHeatmap({ values, rows: 3, cols: 3 }, {}, 'svg').image.toString());
  assert.match(svg[0], /<svg/);
  const numbered = (text: string) => text.replace(/\b(surface|image|glyph|clip|pattern|mask)\d+/g, '$1#');
  assert.ok(svg[0].length > 1000);
  assert.equal(numbered(svg[0]), numbered(svg[1]));
});

test('a streamed .npy (read by chunks of rows) draws the same picture as the matrix read whole', () => {
  const rows = 1100;
  const cols = 1500;
  const values = Float32Array.from({ length: rows * cols }, (_, k) => Math.sin(k * 0.001) + ((k % 7919) === 0 ? NaN : 0));
  const file = path.join(require('node:os').tmpdir(), `ntk-cli-stream-${process.pid}.npy`);
  fs.writeFileSync(file, encodeNpy(values, [rows, cols]));
  try {
    const streamed = streamedMatrix(npyRowChunks(file)!);
    assert.deepEqual([streamed.rows, streamed.cols], [rows, cols]);
    const whole = { values, rows, cols };
    assert.equal(streamed.nanCells, values.filter(Number.isNaN).length);
    for (const mode of ['mean', 'max'] as const) {
      assert.deepEqual(Array.from(streamed.reduce(300, 200, mode).values), Array.from(blockReduce(whole, 300, 200, mode).values));
      const a = renderHeatmap(streamed, { downsample: mode });
      const b = renderHeatmap(whole, { downsample: mode });
      assert.ok(a.image.equals(b.image), mode);
      assert.equal(a.nanCells, b.nanCells);
    }
    assert.throws(() => renderHeatmap(streamed, { bare: true }), /--bare needs the whole matrix/);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test("float32 values are normalised with NumPy's float32 arithmetic, band edges and a span past float32 included; a span past double's is taken in halves", () => {
  const cases = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'render', 'norm_cases.json'), 'utf8')).cases as { dtype: string; values: number[]; vmin: number; vmax: number; rgb: number[][] }[];
  const hot = colormapByName('hot');
  for (const c of cases) {
    const t = normaliser({ kind: 'linear', vmin: c.vmin, vmax: c.vmax, linthresh: 1 }, c.dtype === 'float32');
    const ours = c.values.map((v) => Array.from(hot.lut.subarray(lutIndex(t(v)) * 3, lutIndex(t(v)) * 3 + 3)));
    assert.deepEqual(ours, c.rgb, `${c.dtype} [${c.vmin}, ${c.vmax}]`);
  }
  const halves = normaliser({ kind: 'linear', vmin: -1e308, vmax: 1e308, linthresh: 1 });
  assert.deepEqual([-1e308, 0, 1e308].map(halves), [0, 0.5, 1]);
});

test('a log scale over a range too narrow for doubles to span is refused, not widened around 0', () => {
  assert.throws(() => resolveNormForRange([1e-300, 2e-300], { kind: 'log' }), (e) => e instanceof NormError && /--norm log: the range \[1e-300, 2e-300\] is too narrow to draw on a log scale/.test(e.message));
  // A constant one is widened by 10% each way, still above 0.
  const constant = resolveNormForRange([2, 2], { kind: 'log' });
  assert.deepEqual([constant.vmin, constant.vmax], [1.8, 2.2]);
});

for (const c of axisFixture.symlog as { vmin: number; vmax: number; linthresh: number; major: { value: number; label: { text: string; superscript?: string } }[] }[]) {
  test(`a symlog colorbar over [${c.vmin}, ${c.vmax}] with linthresh ${c.linthresh}: matplotlib's ticks, none beyond the bar, and their labels`, () => {
    const { bar } = heatmapLayout(30, 30, 640, 480);
    const ticks = colorbarTicks(resolveNormForRange([c.vmin, c.vmax], { kind: 'symlog', linthresh: c.linthresh }), bar.h, 100 / 72);
    assert.equal(ticks.major.length, c.major.length, `${ticks.major.map((t) => t.value)} against ${c.major.map((t) => t.value)}`);
    ticks.major.forEach((t, i) => {
      assert.ok(Math.abs(t.value - c.major[i]!.value) <= 1e-9 * Math.abs(t.value), `${i}: ${t.value} against ${c.major[i]!.value}`);
      assert.deepEqual({ text: t.label.text, ...(t.label.superscript ? { superscript: t.label.superscript } : {}) }, c.major[i]!.label, `${i}`);
    });
  });
}

for (const c of axisFixture.log as { vmin: number; vmax: number; major: { value: number; label: { text: string; superscript?: string } }[]; minor: { value: number; label: { text: string; superscript?: string } }[] }[]) {
  test(`a log colorbar over [${c.vmin}, ${c.vmax}]: matplotlib's major and minor ticks and their labels`, () => {
    const { bar } = heatmapLayout(30, 30, 640, 480);
    const ticks = colorbarTicks(resolveNormForRange([c.vmin, c.vmax], { kind: 'log' }), bar.h, 100 / 72);
    for (const [ours, theirs, which] of [[ticks.major, c.major, 'major'], [ticks.minor, c.minor, 'minor']] as const) {
      assert.equal(ours.length, theirs.length, `${which}: ${ours.map((t) => t.value)} against ${theirs.map((t) => t.value)}`);
      ours.forEach((t, i) => {
        assert.ok(Math.abs(t.value - theirs[i]!.value) <= 1e-9 * t.value, `${which} ${i}: ${t.value} against ${theirs[i]!.value}`);
        assert.deepEqual({ text: t.label.text, ...(t.label.superscript ? { superscript: t.label.superscript } : {}) }, theirs[i]!.label, `${which} ${i}`);
      });
    }
  });
}
