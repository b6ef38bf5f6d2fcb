/**
 * The empirical NTK of a dense network without building the Jacobian.
 *
 * For layer l with z_l = s_w·W_l a_{l−1} + s_b·b_l, the chain rule gives
 * ∂f/∂W_l = s_w·g_l a_{l−1}ᵀ and ∂f/∂b_l = s_b·g_l, with g_l = ∂f/∂z_l. The
 * inner product of two such rank-one gradients factorises, so
 *
 *   Θ(x, x') = Σ_l (s_w²·a_{l−1}(x)·a_{l−1}(x') + s_b²) · (g_l(x)·g_l(x'))
 *
 * (s_b² only where the layer has a bias; neural-tangents' "structured
 * derivatives" for Dense layers). With several outputs, Σ_k g_l^k(x)·g_l^k(x')
 * is one product of the outputs' g_l side by side; for the last layer
 * g_L^k = e_k, so its term is o·(s_w²·a·a' + s_b²) with no product at all.
 *
 * The matrix is computed in tiles (tiles.ts) and handed to a sink. A symmetric
 * kernel computes only the tiles on and above the diagonal, diagonal tiles with
 * syrk, and mirrors each. Cost: O(n·o·Σ in_l·out_l) for the factors and
 * n²·Σ_l (in_l + o·out_l) multiply-adds for the products (half of that when
 * symmetric); never the n × P Jacobian.
 */
import { floatArray } from '../linalg/memory';
import type { Linalg } from '../linalg/types';
import { rowsOf } from '../linalg/types';
import { outputDimOf, type Mlp } from '../model/mlp';
import type { MatrixView, Samples } from '../types';
import { layerFactors, type Factors } from './factors';
import type { KernelSink } from './sink';
import { mergeStats, tileStats, type TileStats } from './stats';
import { tilePlan, type Tile } from './tiles';
import { traceScale, type Trace } from './trace';

export interface StructuredOptions {
  trace?: Trace;
  /** Tile side (tiles.ts chooses one per linalg). */
  tile: number;
  /** Called after every tile with the fraction of cells done. */
  onProgress?: (fraction: number) => void;
}

/** Scratch buffers for one tile's products, allocated on first use (fresh memory is slow to touch). */
export class TileScratch {
  private buffers: Record<'p' | 'q' | 'out', Float32Array | null> = { p: null, q: null, out: null };

  constructor(readonly side: number) {}

  get(name: 'p' | 'q' | 'out'): Float32Array {
    return (this.buffers[name] ??= floatArray(this.side * this.side));
  }
}

/** Σ_k a_ik² for each row of a (the diagonal of A·Aᵀ, which syrk's other triangle overwrites). */
function rowNormsSquared(a: MatrixView, r0: number, r1: number): Float64Array {
  const ld = a.ld ?? a.cols;
  const out = new Float64Array(r1 - r0);
  for (let i = r0; i < r1; i++) {
    let sum = 0;
    for (let k = 0; k < a.cols; k++) sum += a.data[i * ld + k] ** 2;
    out[i - r0] = sum;
  }
  return out;
}

/**
 * K[r0:r1, c0:c1] into `target` (h × w). On a diagonal tile of a symmetric
 * kernel the products are syrk's: the input term in the upper triangle of one
 * scratch buffer and the gradient term in its lower triangle (so the tile
 * needs one buffer, not two), and the result is mirrored inside the tile.
 */
export function computeTile(model: Mlp, fx: Factors, fy: Factors, tile: Tile, diagonal: boolean, linalg: Linalg, scratch: TileScratch, scale: number, target: MatrixView): void {
  const { r0, r1, c0, c1 } = tile;
  const h = r1 - r0;
  const w = c1 - c0;
  const outputs = outputDimOf(model);
  const lastIndex = model.layers.length - 1;
  const ld = target.ld ?? target.cols;
  const t = target.data;
  // The last layer: o·(s_w²·a·a' + s_b²), straight into the target.
  const last = model.layers[lastIndex];
  const aLast = rowsOf(fx.inputs[lastIndex], r0, r1);
  const alphaLast = outputs * last.weightScale ** 2;
  if (diagonal) linalg.syrk(alphaLast, aLast, 0, target);
  else linalg.gemm(alphaLast, aLast, false, rowsOf(fy.inputs[lastIndex], c0, c1), true, 0, target);
  const constant = last.bias ? outputs * last.biasScale ** 2 : 0;
  if (lastIndex === 0) {
    for (let i = 0; i < h; i++) for (let j = diagonal ? i : 0; j < w; j++) t[i * ld + j] = scale * (t[i * ld + j] + constant);
  }
  // Hidden layers: (s_w²·A_I A_Jᵀ + s_b²) ⊙ (G_I G_Jᵀ); the last of them also adds the constant and scales.
  for (let l = 0; l < lastIndex; l++) {
    const layer = model.layers[l];
    const s2 = layer.weightScale ** 2;
    const b2 = layer.bias ? layer.biasScale ** 2 : 0;
    const final = l + 1 === lastIndex;
    const a = rowsOf(fx.inputs[l], r0, r1);
    const g = rowsOf(fx.gradients[l]!, r0, r1);
    const P = scratch.get('p');
    const pView = { data: P, rows: h, cols: w };
    if (diagonal) {
      const pDiagonal = rowNormsSquared(fx.inputs[l], r0, r1);
      linalg.syrk(s2, a, 0, pView);
      linalg.syrk(1, g, 0, pView, true);
      // P's upper triangle holds s_w²·A Aᵀ, its lower triangle G Gᵀ (read transposed, so by blocks that stay in cache).
      forEachUpperBlock(h, (i0, i1, j0, j1) => {
        for (let i = i0; i < i1; i++) {
          const row = i * ld;
          for (let j = Math.max(j0, i); j < j1; j++) {
            const p = j === i ? s2 * pDiagonal[i] : P[i * w + j];
            const v = t[row + j] + (p + b2) * P[j * w + i];
            t[row + j] = final ? scale * (v + constant) : v;
          }
        }
      });
    } else {
      const Q = scratch.get('q');
      linalg.gemm(s2, a, false, rowsOf(fy.inputs[l], c0, c1), true, 0, pView);
      linalg.gemm(1, g, false, rowsOf(fy.gradients[l]!, c0, c1), true, 0, { data: Q, rows: h, cols: w });
      for (let i = 0; i < h; i++) {
        const row = i * ld;
        for (let j = 0; j < w; j++) {
          const v = t[row + j] + (P[i * w + j] + b2) * Q[i * w + j];
          t[row + j] = final ? scale * (v + constant) : v;
        }
      }
    }
  }
  if (diagonal) {
    forEachUpperBlock(h, (i0, i1, j0, j1) => {
      for (let i = i0; i < i1; i++) for (let j = Math.max(j0, i + 1); j < j1; j++) t[j * ld + i] = t[i * ld + j];
    });
  }
}

const BLOCK = 64;

/** Visit the blocks [i0, i1) × [j0, j1) of an n × n matrix that touch its upper triangle. */
function forEachUpperBlock(n: number, visit: (i0: number, i1: number, j0: number, j1: number) => void): void {
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    for (let j0 = i0; j0 < n; j0 += BLOCK) visit(i0, Math.min(n, i0 + BLOCK), j0, Math.min(n, j0 + BLOCK));
  }
}

export interface StructuredResult {
  stats: TileStats;
}

/**
 * Θ(X, Y) (Y = X when null) into `sink`, in tiles on this thread; the products
 * run on `linalg`. A generator: it yields after every tile, so that a caller
 * can let the event loop run (signals, progress) between tiles; run it to the
 * end with `runTiles` or `runTilesYielding`, which return the stats.
 */
export function* structuredKernel(model: Mlp, x: Samples, y: Samples | null, linalg: Linalg, sink: KernelSink, options: StructuredOptions): Generator<void, StructuredResult> {
  const fx = layerFactors(model, x, linalg);
  const fy = y ? layerFactors(model, y, linalg) : fx;
  const symmetric = y === null;
  const scale = traceScale(options.trace ?? 'sum', outputDimOf(model));
  const tiles = tilePlan(x.count, fy.count, options.tile, symmetric);
  const scratch = new TileScratch(Math.min(options.tile, Math.max(x.count, fy.count)));
  const total = x.count * fy.count;
  let done = 0;
  let stats: TileStats | null = null;
  for (const tile of tiles) {
    const h = tile.r1 - tile.r0;
    const w = tile.c1 - tile.c0;
    const diagonal = symmetric && tile.r0 === tile.c0;
    const target = sink.inPlace ? sink.inPlace(tile.r0, tile.c0, h, w) : { data: scratch.get('out'), rows: h, cols: w };
    computeTile(model, fx, fy, tile, diagonal, linalg, scratch, scale, target);
    if (!sink.inPlace) sink.writeBlock(tile.r0, tile.c0, target, false);
    const mirrored = symmetric && !diagonal;
    if (mirrored) sink.writeBlock(tile.c0, tile.r0, target, true);
    stats = mergeStats(stats, tileStats(target, tile, mirrored ? 2 : 1));
    done += h * w * (mirrored ? 2 : 1);
    options.onProgress?.(done / total);
    yield;
  }
  return { stats: stats! };
}

/** Run the tiles to the end on this thread. */
export function runTiles(tiles: Generator<void, StructuredResult>): StructuredResult {
  for (;;) {
    const step = tiles.next();
    if (step.done) return step.value;
  }
}

/** Run the tiles, letting the event loop run between them (signal handlers, progress output). */
export async function runTilesYielding(tiles: Generator<void, StructuredResult>): Promise<StructuredResult> {
  for (;;) {
    const step = tiles.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
