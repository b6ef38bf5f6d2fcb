/** Summary numbers of a kernel, gathered tile by tile so no pass needs the whole matrix. */
import { scanValues } from '../math/scan';
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

/** What a tile adds to its kernel's stats. */
export interface TileStats {
  min: number;
  max: number;
  diagonal: number;
  nonFinite: number;
}

/** The stats of a computed tile (mirroredStats counts a tile also written mirrored). */
export function tileStats(target: MatrixView, tile: Tile): TileStats {
  const ld = target.ld ?? target.cols;
  const data = target.data;
  // A loop on the Float32Array itself (the generic scan is several times slower on a tile of 16M cells);
  // v − v is NaN exactly for NaN and ±Inf.
  let [min, max, nonFinite] = [Infinity, -Infinity, 0];
  for (let i = 0; i < target.rows; i++) {
    const end = i * ld + target.cols;
    for (let k = i * ld; k < end; k++) {
      const v = data[k]!;
      if (v - v !== 0) nonFinite++;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  let diagonal = 0;
  for (let i = Math.max(tile.r0, tile.c0); i < Math.min(tile.r1, tile.c1); i++) diagonal += target.data[(i - tile.r0) * ld + (i - tile.c0)];
  return { min, max, diagonal, nonFinite };
}

/** A tile's stats where it is also written mirrored: its non-finite cells twice (the rest is unchanged). */
export function mirroredStats(stats: TileStats, mirrored: boolean): TileStats {
  return mirrored ? { ...stats, nonFinite: 2 * stats.nonFinite } : stats;
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
