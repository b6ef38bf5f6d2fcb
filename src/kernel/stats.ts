/** Summary numbers of a kernel, gathered tile by tile so no pass needs the whole matrix. */
import { emptyScan, scanInto, scanValues } from '../math/scan';
import type { MatrixView } from '../types';
import type { Tile } from './tiles';

export interface KernelStats {
  /** Range of the finite entries. */
  min: number;
  max: number;
  /** Σ_i K_ii (square kernels only, else null). */
  trace: number | null;
  /** NaN and ±Inf entries. */
  nonFinite: number;
}

/** What a tile adds to its kernel's stats: `copies` is 2 for a tile that is also written mirrored. */
export interface TileStats {
  min: number;
  max: number;
  diagonal: number;
  nonFinite: number;
}

export function tileStats(target: MatrixView, tile: Tile, copies: number): TileStats {
  const ld = target.ld ?? target.cols;
  const scan = emptyScan();
  for (let i = 0; i < target.rows; i++) scanInto(scan, target.data, i * ld, i * ld + target.cols);
  let diagonal = 0;
  for (let i = Math.max(tile.r0, tile.c0); i < Math.min(tile.r1, tile.c1); i++) diagonal += target.data[(i - tile.r0) * ld + (i - tile.c0)];
  return { min: scan.min, max: scan.max, diagonal, nonFinite: (scan.nan + scan.infinite) * copies };
}

export function mergeStats(a: TileStats | null, b: TileStats): TileStats {
  if (!a) return { ...b };
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), diagonal: a.diagonal + b.diagonal, nonFinite: a.nonFinite + b.nonFinite };
}

export function statsFromTiles(tiles: TileStats, square: boolean): KernelStats {
  return { min: tiles.min, max: tiles.max, trace: square ? tiles.diagonal : null, nonFinite: tiles.nonFinite };
}

export function kernelStats(values: ArrayLike<number>, rows: number, cols: number): KernelStats {
  const scan = scanValues(values);
  const nonFinite = scan.nan + scan.infinite;
  if (rows !== cols) return { min: scan.min, max: scan.max, trace: null, nonFinite };
  let trace = 0;
  for (let i = 0; i < rows; i++) trace += values[i * cols + i];
  return { min: scan.min, max: scan.max, trace, nonFinite };
}
