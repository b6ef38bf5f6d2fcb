/**
 * A kernel split into N tasks of nearly equal work (`kernel --task i/N`, one
 * per job of a Slurm array), deterministically from its shape and N alone;
 * `merge` assembles what they write (blocks.ts).
 *
 * A finite network's kernel is computed in tiles (kernel/tiles.ts), each by
 * BLAS products whose last bits depend on their shapes: a task computes
 * whole tiles of the same plan, with the same products on the same rows, so
 * the assembled kernel is the same bits as one run's. The upper triangle's
 * tiles, row by row, are cut into N runs of nearly equal work (a diagonal
 * tile, half computed, counts half), and each run is written as one block per
 * tile row it touches. The infinite-width kernel is computed pair by pair, so
 * its tasks are bands of rows: rows [r_i, r_{i+1}) × columns [r_i, n), with
 * r_i = n − n·√(1 − i/N) splitting the triangle's area evenly (Θ(X, Y): n/N
 * rows each).
 */
import type { Tile } from '../kernel/tiles';

export interface TaskBlock {
  rows: [number, number];
  cols: [number, number];
}

/** The work of a tile: its cells, half of them on the diagonal of a symmetric kernel. */
function work(t: Tile, symmetric: boolean): number {
  const cells = (t.r1 - t.r0) * (t.c1 - t.c0);
  return symmetric && t.r0 === t.c0 ? cells / 2 : cells;
}

/** Task `index` of `count`'s tiles of `plan` (in the plan's order); empty where there are fewer tiles than tasks. */
export function taskTiles(index: number, count: number, plan: Tile[], symmetric: boolean): Tile[] {
  const total = plan.reduce((sum, t) => sum + work(t, symmetric), 0);
  // Tile k goes to the task whose share of the total its midpoint falls in.
  let before = 0;
  return plan.filter((t) => {
    const w = work(t, symmetric);
    const task = Math.min(count - 1, Math.floor(((before + w / 2) / total) * count));
    before += w;
    return task === index;
  });
}

/** A task's tiles as blocks: each maximal run of tiles side by side in one tile row. */
export function tileBlocks(tiles: Tile[]): TaskBlock[] {
  const blocks: TaskBlock[] = [];
  for (const t of tiles) {
    const last = blocks[blocks.length - 1];
    if (last && last.rows[0] === t.r0 && last.rows[1] === t.r1 && last.cols[1] === t.c0) last.cols[1] = t.c1;
    else blocks.push({ rows: [t.r0, t.r1], cols: [t.c0, t.c1] });
  }
  return blocks;
}

/** The band of rows of task `index` of `count` (count ≤ n), for kernels computed pair by pair. */
export function taskBand(index: number, count: number, n: number, m: number, symmetric: boolean): TaskBlock {
  const raw = (k: number) => (symmetric ? n - Math.round(n * Math.sqrt(1 - k / count)) : Math.round((k * n) / count));
  const edge = (k: number) => Math.min(n - count + k, Math.max(k, raw(k)));
  const rows: [number, number] = [edge(index), edge(index + 1)];
  return { rows, cols: symmetric ? [rows[0], m] : [0, m] };
}

/** The name of a task's k-th block file: block-03-of-16.npy, block-03-of-16-2.npy; sorting in task order. */
export function taskFileName(index: number, count: number, part = 0): string {
  const digits = String(count).length;
  return `block-${String(index).padStart(digits, '0')}-of-${count}${part ? `-${part + 1}` : ''}.npy`;
}
