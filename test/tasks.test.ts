/**
 * kernel --task i/N: the split into tasks (every tile of the plan in exactly
 * one task, the work even), Slurm's array variables, and the merged kernel
 * the same bytes as one run's, without a cluster (test/slurm.test.ts runs
 * the same on a real Slurm).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { slurmTask } from '../src/cli/blocks';
import { parseNpy } from '../src/io/npy';
import { taskBand, taskTiles, tileBlocks } from '../src/io/tasks';
import { tilePlan, type Tile } from '../src/kernel/tiles';
import { runCli, tempDir } from './helpers';

const dir = tempDir('ntk-cli-tasks-');
const key = (t: Tile) => `${t.r0},${t.r1},${t.c0},${t.c1}`;
const work = (t: Tile, symmetric: boolean) => ((t.r1 - t.r0) * (t.c1 - t.c0)) / (symmetric && t.r0 === t.c0 ? 2 : 1);

test('the tasks share the plan: every tile in exactly one task, in order, the work within a tile of even', () => {
  for (const [n, m, side, symmetric] of [[20000, 20000, 4096, true], [100000, 100000, 4096, true], [9000, 9000, 4096, true], [5000, 3000, 1024, false]] as const) {
    const plan = tilePlan(n, m, side, symmetric);
    const total = plan.reduce((s, t) => s + work(t, symmetric), 0);
    const largest = Math.max(...plan.map((t) => work(t, symmetric)));
    for (let count = 1; count <= Math.min(plan.length, 40); count++) {
      const shares = Array.from({ length: count }, (_, i) => taskTiles(i, count, plan, symmetric));
      assert.deepEqual(shares.flat().map(key), plan.map(key), `${n}, ${count} tasks: the tiles once each, in order`);
      for (const share of shares) {
        const w = share.reduce((s, t) => s + work(t, symmetric), 0);
        assert.ok(Math.abs(w - total / count) <= largest, `${n}, ${count} tasks: a share of ${w} against ${total / count}`);
      }
    }
  }
});

test("a task's tiles become one block per tile row, side by side", () => {
  const plan = tilePlan(10000, 10000, 4096, true);
  const edges = [...new Set(plan.map((t) => t.r0)), 10000];
  assert.equal(edges.length, 4);
  // All of them: each tile row from the diagonal to the last column.
  assert.deepEqual(tileBlocks(plan), edges.slice(0, -1).map((r, i) => ({ rows: [r, edges[i + 1]], cols: [r, 10000] })));
  // Two tiles one above the other: two blocks.
  const [first, , , diagonal] = plan;
  assert.deepEqual(tileBlocks([plan[1]!, diagonal!]), [
    { rows: [first!.r0, first!.r1], cols: [plan[1]!.c0, plan[1]!.c1] },
    { rows: [diagonal!.r0, diagonal!.r1], cols: [diagonal!.c0, diagonal!.c1] },
  ]);
});

test('the bands of a kernel computed pair by pair cover its rows, none empty, splitting the upper triangle evenly', () => {
  for (const [n, count] of [[1000, 7], [10, 10], [300, 3], [5, 1]] as const) {
    const bands = Array.from({ length: count }, (_, i) => taskBand(i, count, n, n, true));
    assert.equal(bands[0]!.rows[0], 0);
    assert.equal(bands[count - 1]!.rows[1], n);
    bands.forEach((b, i) => {
      assert.ok(b.rows[1] > b.rows[0], `band ${i} of ${count} over ${n} is empty`);
      if (i) assert.equal(b.rows[0], bands[i - 1]!.rows[1]);
      assert.deepEqual(b.cols, [b.rows[0], n]);
    });
  }
  // The pairs each band computes: the last, square, is symmetric (half of it); the others whole.
  const pairs = Array.from({ length: 4 }, (_, i) => taskBand(i, 4, 4000, 4000, true)).map((b) => {
    const h = b.rows[1] - b.rows[0];
    return b.cols[1] - b.cols[0] === h ? (h * (h + 1)) / 2 : h * (b.cols[1] - b.cols[0]);
  });
  assert.ok(Math.max(...pairs) / Math.min(...pairs) < 1.25, `${pairs}`);
});

test("--task slurm reads the job array's index and size", () => {
  assert.deepEqual(slurmTask({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '8' }), { index: 3, count: 8 });
  assert.deepEqual(slurmTask({ SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '2' }), { index: 3, count: 4 });
  assert.deepEqual(slurmTask({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2' }), { index: 2, count: 3 });
  assert.throws(() => slurmTask({}), /--task slurm: SLURM_ARRAY_TASK_ID is not set/);
  assert.throws(() => slurmTask({ SLURM_ARRAY_TASK_ID: '9', SLURM_ARRAY_TASK_COUNT: '4' }), /task 9 is not among the 4/);
});

function tasksThenMerge(args: string[], count: number, name: string): Buffer {
  const blocks = path.join(dir, name);
  for (let i = 0; i < count; i++) {
    const run = runCli(['kernel', ...args, '--task', `${i}/${count}`, '--out', blocks, '--quiet']);
    assert.equal(run.status, 0, run.stderr);
  }
  const merged = path.join(dir, `${name}.npy`);
  const merge = runCli(['merge', blocks, '--out', merged, '--quiet']);
  assert.equal(merge.status, 0, merge.stderr);
  return fs.readFileSync(merged);
}

test('tasks merged give the bytes of one run: a finite network (three tiles wide) and an infinite one', () => {
  const finite = ['--samples', '8200', '--input-dim', '4', '--width', '8', '--seed', '2'];
  const single = path.join(dir, 'single.npy');
  assert.equal(runCli(['kernel', ...finite, '--out', single, '--quiet']).status, 0);
  assert.ok(tasksThenMerge(finite, 4, 'finite').equals(fs.readFileSync(single)), 'finite width');
  const infinite = ['--samples', '300', '--width', 'inf', '--parameterization', 'ntk', '--activation', 'erf', '--depth', '2'];
  assert.equal(runCli(['kernel', ...infinite, '--out', single, '--quiet']).status, 0);
  assert.ok(tasksThenMerge(infinite, 3, 'infinite').equals(fs.readFileSync(single)), 'infinite width');
});

test("a dataset's kernel splits too (its labels stay with the whole kernel), and an infinite network's task reports like a finite one's", () => {
  const digits = ['--dataset', 'digits', '--samples', '4200', '--width', '4'];
  const single = path.join(dir, 'digits.npy');
  assert.equal(runCli(['kernel', ...digits, '--out', single, '--quiet']).status, 0);
  assert.ok(tasksThenMerge(digits, 2, 'digits').equals(fs.readFileSync(single)), 'digits');
  const band = runCli(['kernel', '--samples', '300', '--width', 'inf', '--parameterization', 'ntk', '--task', '1/3', '--out', path.join(dir, 'band'), '--json']);
  assert.equal(band.status, 0, band.stderr);
  const report = JSON.parse(band.stdout);
  assert.deepEqual([report.n, report.samples, report.inputs], [300, 300, 'seed']);
  assert.deepEqual(report.kernel.shape, [300, 300]);
  const [block] = report.blocks as { file: string; rows: [number, number]; cols: [number, number] }[];
  assert.deepEqual(report.task, { index: 1, count: 3, rows: block.rows });
  assert.equal(report.kernel.cells, parseNpy(fs.readFileSync(block.file)).data.length);
});

test("a task's report describes its own cells: their count and range, no trace of the whole kernel", () => {
  const args = ['--samples', '8200', '--input-dim', '4', '--width', '8', '--seed', '2'];
  const run = runCli(['kernel', ...args, '--task', '1/4', '--out', path.join(dir, 'report'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(report.kernel).sort(), ['cells', 'max', 'min', 'non_finite', 'shape']);
  assert.deepEqual(report.kernel.shape, [8200, 8200]);
  assert.deepEqual([report.model.source, report.inputs], ['seed', 'seed']);
  // The count, range and non-finite count of the cells in the task's block files.
  let [cells, min, max, nonFinite] = [0, Infinity, -Infinity, 0];
  for (const b of report.blocks as { file: string }[]) {
    for (const v of parseNpy(fs.readFileSync(b.file)).data) {
      cells++;
      if (!Number.isFinite(v)) nonFinite++;
      else [min, max] = [Math.min(min, v), Math.max(max, v)];
    }
  }
  assert.ok(cells > 0 && cells < 8200 * 8200, `${cells} cells`);
  assert.equal(report.kernel.cells, cells);
  assert.equal(report.kernel.non_finite, nonFinite);
  assert.equal(report.kernel.min, min);
  assert.equal(report.kernel.max, max);
});

test('a task with no tile of its own says so and writes nothing', () => {
  const run = runCli(['kernel', '--samples', '50', '--task', '0/2', '--out', path.join(dir, 'few')]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /task 0 of 2: nothing to compute \(the kernel is 1 tile, fewer than 2 tasks\)/);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'few')), []);
});

const ERRORS: [string, string[], RegExp][] = [
  ['--task without a directory', ['kernel', '--task', '0/2'], /--task writes its blocks into the directory --out names/],
  ['--task with --rows', ['kernel', '--task', '0/2', '--rows', '0:10', '--out', 'x'], /--task computes its own rows and columns; --rows and --cols contradict it/],
  ['--task with --trace none', ['kernel', '--task', '0/2', '--output-dim', '2', '--trace', 'none', '--out', 'x'], /--task computes blocks of a traced kernel/],
  ['--task beyond N', ['kernel', '--task', '2/2', '--out', 'x'], /expected i\/N \(task i of N, 0 ≤ i < N/],
  ['--task slurm outside a job array', ['kernel', '--task', 'slurm', '--out', 'x'], /--task slurm: SLURM_ARRAY_TASK_ID is not set/],
  ['merge of a directory without blocks', ['merge', '.', '--out', 'merged.npy'], /a directory without blocks/],
];

for (const [what, args, message] of ERRORS) {
  test(`refused in one line: ${what}`, () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'cwd-'));
    const run = runCli(args, { cwd });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.deepEqual(fs.readdirSync(cwd), []);
  });
}
