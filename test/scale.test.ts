/** The large-kernel path: tiles on worker threads, streaming to .npy, blocks and merge, the memory guard, progress. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kernelMatrix } from '../src/kernel/matrix';
import { FileSink, MatrixSink } from '../src/kernel/sink';
import { runTiles, runTilesYielding, structuredKernel } from '../src/kernel/structured';
import { workerKernel } from '../src/workers/tileWorkers';
import { parseNpy } from '../src/io/npy';
import { nativeHelpers } from '../src/native';
import { NpyStream } from '../src/io/npyStream';
import { renameStaged } from '../src/io/atomicWrite';
import { planMerge } from '../src/io/blocks';
import { initMlp } from '../src/model/mlp';
import { TorchGenerator } from '../src/model/torchRandom';
import { bitDifferences, relativeMaxError, runCli, samplesOf, tempDir, testLinalgs } from './helpers';

const dir = tempDir();

test('tiled kernels (symmetric and cross, ragged tiles, in memory, streamed to .npy, on worker threads) equal the one-tile kernel', async () => {
  const { linalgs } = await testLinalgs();
  const shape = { inputDim: 7, width: 48, depth: 2, outputDim: 2, activation: 'tanh', parameterization: 'ntk' as const, sigmaW: 1.3, sigmaB: 0.4 };
  const g = new TorchGenerator(9);
  const model = initMlp(shape, g);
  const x = samplesOf(g.randn(300 * 7), 7);
  const y = samplesOf(g.randn(170 * 7), 7);
  for (const { name, linalg } of linalgs) {
    for (const [second, cols] of [[null, 300], [y, 170]] as const) {
      const expected = kernelMatrix(model, x, second, linalg, 'mean');
      // Tile 64: 5 × 5 (or 5 × 3) tiles with ragged edges, mirrored when symmetric.
      const memory = new MatrixSink(300, cols);
      const result = runTiles(structuredKernel(model, x, second, linalg, memory, { tile: 64, trace: 'mean' }));
      assert.ok(relativeMaxError(memory.matrix, expected) <= 1e-6, `${name}: memory, ${cols} columns`);
      assert.equal(result.stats.nonFinite, 0);
      assert.equal(result.stats.max, Math.max(...memory.matrix));
      const file = path.join(dir, `tiled-${name}-${cols}.npy`);
      const stream = new NpyStream(file, [300, cols]);
      runTiles(structuredKernel(model, x, second, linalg, stream, { tile: 64, trace: 'mean' }));
      renameStaged(await stream.seal());
      const written = parseNpy(fs.readFileSync(file));
      assert.deepEqual(written.shape, [300, cols]);
      assert.ok(relativeMaxError(written.data, expected) <= 1e-6, `${name}: file, ${cols} columns`);
    }
  }
  // The TensorFlow.js worker threads, into shared memory and into the file.
  for (const [second, cols] of [[null, 300], [y, 170]] as const) {
    const expected = kernelMatrix(model, x, second, linalgs[0].linalg, 'mean');
    const matrix = new Float32Array(new SharedArrayBuffer(300 * cols * 4));
    const stats = await workerKernel(model, x, second, { kind: 'memory', rows: 300, cols, matrix }, { threads: 2, backend: 'wasm', tile: 64, trace: 'mean' });
    assert.ok(relativeMaxError(matrix, expected) <= 1e-6, `workers: memory, ${cols} columns`);
    assert.equal(stats.nonFinite, 0);
    const file = path.join(dir, `workers-${cols}.npy`);
    const stream = new NpyStream(file, [300, cols]);
    await workerKernel(model, x, second, stream.shared(), { threads: 2, backend: 'wasm', tile: 64, trace: 'mean' });
    renameStaged(await stream.seal());
    assert.ok(relativeMaxError(parseNpy(fs.readFileSync(file)).data, expected) <= 1e-6, `workers: file, ${cols} columns`);
  }
});

test('tiles written in the background (one native job per block, or a request per row) and in order give the same bytes, in tiles of any width', async (t) => {
  const nativeWriter = nativeHelpers()?.writeRows ?? null;
  if (!nativeWriter) t.diagnostic('the native helper is not built here: only the per-row requests are compared');
  const writers = nativeWriter ? (['native', 'requests'] as const) : (['requests'] as const); // without the helper: requests only
  const { linalgs } = await testLinalgs();
  const linalg = linalgs[0].linalg;
  const shape = { inputDim: 6, width: 40, depth: 1, outputDim: 1, activation: 'relu', parameterization: 'standard' as const };
  const g = new TorchGenerator(5);
  const model = initMlp(shape, g);
  const x = samplesOf(g.randn(333 * 6), 6);
  const written = (name: string, background: boolean, rowWriter: 'native' | 'requests', tile: number, writeLimit?: number) => {
    const file = path.join(dir, `${name}-${tile}.npy`);
    const stream = new NpyStream(file, [333, 333]);
    stream.rowWriter = rowWriter === 'native' ? nativeWriter : null;
    if (writeLimit) stream.writeLimit = writeLimit;
    return { stream, file, run: runTilesYielding(structuredKernel(model, x, null, linalg, stream, { tile, trace: 'sum', background })) };
  };
  // Tile 64: six diagonal tiles and fifteen mirrored ones, the buffers alternating; tile 333: one
  // tile as wide as the kernel, its rows one run in memory and in the file (one write).
  for (const tile of [64, 333]) {
    const reference = written('reference', false, 'requests', tile); // in order, a request per row
    await reference.run;
    renameStaged(await reference.stream.seal());
    const expected = fs.readFileSync(reference.file);
    const inMemory = new MatrixSink(333, 333);
    runTiles(structuredKernel(model, x, null, linalg, inMemory, { tile, trace: 'sum' }));
    assert.equal(bitDifferences(parseNpy(expected).data as Float32Array, inMemory.matrix), 0, `tile ${tile}: the file holds the kernel`);
    for (const rowWriter of writers) {
      for (const background of [true, false]) {
        // Requests cut into writes of 1000 bytes, as a whole-width block of 2 GiB or more is cut (Node refuses such a length).
        const later = written(`${background ? 'background' : 'in-order'}-${rowWriter}`, background, rowWriter, tile, rowWriter === 'requests' ? 1000 : undefined);
        await later.run;
        renameStaged(await later.stream.seal());
        assert.ok(fs.readFileSync(later.file).equals(expected), `${rowWriter}, tile ${tile}, ${background ? 'in the background' : 'in order'}`);
      }
    }
  }
  // A background write that fails rejects written(), with the error's code (what the commands name in their one line).
  for (const rowWriter of writers) {
    const fd = fs.openSync('/dev/full', 'w');
    try {
      const sink = new FileSink(fd, 0, [64, 64]);
      sink.rowWriter = rowWriter === 'native' ? nativeWriter : null;
      sink.writeBlockLater(0, 0, { data: new Float32Array(64 * 64), rows: 64, cols: 64 }, true);
      await assert.rejects(sink.written(), (error: NodeJS.ErrnoException) => error.code === 'ENOSPC', rowWriter);
    } finally {
      fs.closeSync(fd);
    }
  }
});

test('blocks from --rows/--cols merge into the full kernel, mirroring the missing lower block', () => {
  const common = ['kernel', '--samples', '1700'];
  const full = path.join(dir, 'full.npy');
  assert.equal(runCli([...common, '--out', full]).status, 0);
  const blocks: string[] = [];
  for (const [rows, cols] of [['0:900', '0:900'], ['0:900', '900:1700'], ['900:1700', '900:1700']]) {
    const out = path.join(dir, `block-${rows}-${cols}.npy`.replace(/:/g, '_'));
    const run = runCli([...common, '--rows', rows, '--cols', cols, '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')).shape, [1700, 1700]);
    assert.match(run.stdout, new RegExp(`on rows ${rows} × cols ${cols} of the 1700-sample kernel`));
    blocks.push(out);
  }
  const merged = path.join(dir, 'merged.npy');
  const run = runCli(['merge', ...blocks, '--out', merged, '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).mirrored, 1);
  assert.ok(relativeMaxError(parseNpy(fs.readFileSync(merged)).data, parseNpy(fs.readFileSync(full)).data) <= 1e-6);
  const missing = runCli(['merge', blocks[0], blocks[2], '--out', path.join(dir, 'never.npy')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /1440000 of the 2890000 cells of the 1700×1700 kernel are in no block nor its mirror image: rows 0:900 × cols 900:1700, rows 900:1700 × cols 0:900$/m);
});

test('--save-inputs with --rows/--cols writes the whole inputs, from which the block is computed again', () => {
  const inputs = path.join(dir, 'block-inputs.npy');
  const block = path.join(dir, 'saved-block.npy');
  assert.equal(runCli(['kernel', '--samples', '9', '--seed', '2', '--rows', '2:7', '--cols', '1:4', '--save-inputs', inputs, '--out', block, '--quiet']).status, 0);
  const saved = parseNpy(fs.readFileSync(inputs));
  assert.deepEqual(saved.shape, [9, 20]);
  const again = path.join(dir, 'block-again.npy');
  assert.equal(runCli(['kernel', '--inputs', inputs, '--seed', '2', '--rows', '2:7', '--cols', '1:4', '--out', again, '--quiet']).status, 0);
  assert.deepEqual(Array.from(parseNpy(fs.readFileSync(again)).data), Array.from(parseNpy(fs.readFileSync(block)).data));
});

test('merge mirrors the part of a block that straddles the diagonal: rows 0:20 × cols 0:40 and rows 20:40 × cols 20:40', () => {
  const common = ['kernel', '--samples', '40'];
  const full = path.join(dir, 'full40.npy');
  assert.equal(runCli([...common, '--out', full]).status, 0);
  const blocks = [['0:20', '0:40'], ['20:40', '20:40']].map(([rows, cols], k) => {
    const out = path.join(dir, `straddle-${k}.npy`);
    assert.equal(runCli([...common, '--rows', rows, '--cols', cols, '--out', out]).status, 0);
    return out;
  });
  const merged = path.join(dir, 'straddle.npy');
  const run = runCli(['merge', ...blocks, '--out', merged, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const k = parseNpy(fs.readFileSync(merged)).data;
  assert.ok(relativeMaxError(k, parseNpy(fs.readFileSync(full)).data) <= 1e-6);
  for (let i = 20; i < 40; i++) for (let j = 0; j < 20; j++) assert.equal(k[i * 40 + j], k[j * 40 + i], `(${i}, ${j}) mirrors (${j}, ${i})`);
});

test("merge refuses a block whose .npy is not the one its placement was written with: recomputed without --rows/--cols, or another block's copy", () => {
  const common = ['kernel', '--samples', '60', '--width', '16'];
  const files = ['0:30', '30:60'].flatMap((rows) => ['0:30', '30:60'].filter((cols) => cols >= rows).map((cols) => [rows, cols])).map(([rows, cols], k) => {
    const out = path.join(dir, `digest-${k}.npy`);
    assert.equal(runCli([...common, '--rows', rows!, '--cols', cols!, '--out', out]).status, 0);
    return out;
  });
  const merged = path.join(dir, 'digest-merged.npy');
  assert.equal(runCli(['merge', ...files, '--out', merged]).status, 0);
  // Another run's kernel of the block's shape, written over the block (its old placement stays beside it).
  assert.equal(runCli(['kernel', '--samples', '30', '--width', '16', '--seed', '5', '--out', files[2]!]).status, 0);
  let run = runCli(['merge', ...files, '--out', merged]);
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `ntk-cli: error: ${files[2]}: its values are not those its placement ${files[2]}.json was written with (the file was replaced or copied since); recompute the block\n`);
  // The first diagonal block copied over the second.
  fs.copyFileSync(files[0]!, files[2]!);
  run = runCli(['merge', ...files, '--out', merged]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /digest-2\.npy: its values are not those its placement/);
});

test('merge plans refuse overlapping blocks and blocks of different kernels', () => {
  const block = (file: string, rows: [number, number], cols: [number, number], shape: [number, number] = [10, 10], fingerprint = 'run') => ({ file, rows, cols, shape, symmetric: true, fingerprint });
  assert.throws(() => planMerge([block('a', [0, 6], [0, 10]), block('b', [5, 10], [0, 10])]), /a and b overlap/);
  assert.throws(() => planMerge([block('a', [0, 10], [0, 10]), block('b', [0, 5], [0, 5], [5, 5])]), /5×5/);
  // A placement outside its kernel (or empty) is not a block, not a gap elsewhere.
  for (const rows of [[-5, 0], [8, 12], [3, 3]] as [number, number][]) {
    assert.throws(() => planMerge([block('a', [0, 10], [0, 10]), block('odd', rows, [0, 10])]), /odd: its placement \(rows -?\d+:\d+, cols 0:10\) is not a block of the 10×10 kernel/);
  }
  const plan = planMerge([block('d1', [0, 4], [0, 4]), block('up', [0, 4], [4, 10]), block('d2', [4, 10], [4, 10])]);
  assert.deepEqual(plan.steps.find((s) => s.transpose), { file: 'up', row: 4, col: 0, transpose: true, part: { r0: 0, r1: 4, c0: 0, c1: 6 } });
  // A block over the diagonal's both sides: its lower part is mirrored where no block covers it.
  const straddle = planMerge([block('top', [0, 4], [0, 10]), block('d2', [4, 10], [4, 10])]);
  assert.deepEqual(straddle.steps.filter((s) => s.transpose), [{ file: 'top', row: 4, col: 0, transpose: true, part: { r0: 0, r1: 4, c0: 4, c1: 10 } }]);
  assert.throws(() => planMerge([block('d1', [0, 4], [0, 4]), block('d2', [4, 10], [4, 10])]), /48 of the 100 cells .* rows 0:4 × cols 4:10, rows 4:10 × cols 0:4$/);
  assert.throws(() => planMerge([block('d1', [0, 4], [0, 4]), block('up', [0, 4], [4, 10], [10, 10], 'other run'), block('d2', [4, 10], [4, 10])]), /up comes from another run than d1/);
});

test('--progress draws a bar on stderr for a long run; stdout keeps only the summary', () => {
  const out = path.join(dir, 'progress.npy');
  const run = runCli(['kernel', '--samples', '6000', '--input-dim', '100', '--width', '1024', '--progress', '--out', out]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /kernel \[.*\] \d+%/);
  assert.equal(run.stdout.trim().split('\n').length, 1);
  assert.match(run.stdout, /^NTK of a 100-1024-1 relu MLP/);
});
