/**
 * The empirical NTK without building the Jacobian: the sum of the layers'
 * kernel terms (layers/types.ts). For a dense layer with
 * z_l = s_w·W_l a_{l−1} + s_b·b_l, the chain rule gives ∂f/∂W_l = s_w·g_l a_{l−1}ᵀ
 * and ∂f/∂b_l = s_b·g_l, with g_l = ∂f/∂z_l. The inner product of two such
 * rank-one gradients factorises, so its term is
 *
 *   (s_w²·a_{l−1}(x)·a_{l−1}(x') + s_b²) · (g_l(x)·g_l(x'))
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
import { nativeFor, type NativeHelpers } from '../native';
import type { Linalg } from '../linalg/types';
import { rowsOf } from '../linalg/types';
import type { KernelTerm } from '../layers';
import { outputDimOf, type Network } from '../model/network';
import type { MatrixView, Samples } from '../types';
import { layerFactors, type Factors } from './factors';
import type { KernelSink } from './sink';
import { mergeStats, mirroredStats, type TileStats } from './stats';
import { tilePlan, type Tile } from './tiles';
import { traceScale, type Trace } from './trace';

export interface StructuredOptions {
  trace?: Trace;
  /** Tile side (tiles.ts chooses one per linalg). */
  tile: number;
  /** Called after every tile with the fraction of cells done. */
  onProgress?: (fraction: number) => void;
  /** Only these tiles of the plan (tiles.ts), and not their mirror images: a task's share of the kernel. */
  only?: Tile[];
  /**
   * Write each tile in the background while the next one computes, where the
   * sink can (writeBlockLater): the generator then yields the promise of the
   * earlier tile's writes, which the caller awaits (runTilesYielding does).
   */
  background?: boolean;
}

type ScratchName = 'p' | 'q' | 'out' | 'spare';

/** Scratch buffers for one tile's products (and a spare tile written in the background), allocated on first use (fresh memory is slow to touch). */
export class TileScratch {
  private buffers: Record<ScratchName, Float32Array | null> = { p: null, q: null, out: null, spare: null };

  constructor(readonly side: number) {}

  get(name: ScratchName): Float32Array {
    return (this.buffers[name] ??= floatArray(this.side * this.side));
  }
}

/**
 * A hidden term's value, (a + b2)·g, and 0 where that is Inf·0: a factor that overflowed float32
 * (an input far out on a saturating activation) times a gradient product of exactly 0 is 0, as the
 * exact product is, not NaN. Every other value is the plain product. The native passes compute the same.
 */
function hiddenTermValue(a: number, b2: number, g: number): number {
  const f = a + b2;
  const p = f * g;
  return p !== p && (f === 0 || g === 0) ? 0 : p;
}

/** Σ_k a_ik² of row i of a, in double. */
function rowNormSquared(a: MatrixView, i: number): number {
  const ld = a.ld ?? a.cols;
  let sum = 0;
  for (let k = 0; k < a.cols; k++) sum += a.data[i * ld + k]! ** 2;
  return sum;
}

/** The terms in the order a tile sums them: the output layer's first (it fills the tile), then the others in layer order. */
function termOrder(terms: KernelTerm[]): KernelTerm[] {
  const output = terms.filter((t) => t.kind === 'product' && t.gradients === null);
  return [...output, ...terms.filter((t) => !output.includes(t))];
}

/**
 * K[r0:r1, c0:c1] into `target` from the layers' terms (layers/types.ts).
 * The output layer's term o·(s_w²·A·Aᵀ + s_b²) fills the tile; each other
 * product term adds (s_w²·A_I A_Jᵀ + s_b²) ⊙ (G_I G_Jᵀ), a gram term J_I J_Jᵀ;
 * the last term adds the constant and applies the trace's scale. On a
 * diagonal tile of a symmetric kernel the products are syrk's: a product
 * term's input part in the upper triangle of one scratch buffer and its
 * gradient part in the lower triangle (so the tile needs one buffer, not
 * two), and the result is mirrored inside the tile.
 */
export function computeTile(fx: Factors, fy: Factors, outputs: number, tile: Tile, diagonal: boolean, linalg: Linalg, scratch: TileScratch, scale: number, target: MatrixView): TileStats {
  const { r0, r1, c0, c1 } = tile;
  const h = r1 - r0;
  const w = c1 - c0;
  const ld = target.ld ?? target.cols;
  const t = target.data;
  const ordered = termOrder(fx.terms);
  let constant = 0;
  let filled = false;
  // The last term's pass writes the tile's values: it also takes their range (no pass of its own over the tile).
  let range: ValueRange = { min: Infinity, max: -Infinity, nonFinite: 0 };
  for (let index = 0; index < ordered.length; index++) {
    const term = ordered[index];
    const other = fy.terms[fx.terms.indexOf(term)];
    const final = index === ordered.length - 1;
    if (term.kind === 'product' && term.gradients === null && other.kind === 'product') {
      // The output layer: o·(s_w²·a·a′ + s_b²), straight into the target.
      const a = rowsOf(term.inputs, r0, r1);
      const alpha = outputs * term.weightScale2;
      if (diagonal) linalg.syrk(alpha, a, 0, target);
      else linalg.gemm(alpha, a, false, rowsOf(other.inputs, c0, c1), true, 0, target);
      constant += outputs * term.bias2;
      filled = true;
      if (final) range = finishTile(t, ld, h, w, diagonal, scale, constant, linalg.threads);
      continue;
    }
    if (term.kind === 'gram' && other.kind === 'gram') {
      const j = rowsOf(term.jacobian, r0, r1);
      if (diagonal) linalg.syrk(1, j, filled ? 1 : 0, target);
      else linalg.gemm(1, j, false, rowsOf(other.jacobian, c0, c1), true, filled ? 1 : 0, target);
      filled = true;
      if (final) range = finishTile(t, ld, h, w, diagonal, scale, constant, linalg.threads);
      continue;
    }
    if (term.kind !== 'product' || other.kind !== 'product') throw new RangeError('the two sides of a tile have different terms');
    // A hidden layer: (s_w²·A_I A_Jᵀ + s_b²) ⊙ (G_I G_Jᵀ); the first term to reach the tile adds to zeros.
    if (!filled) for (let i = 0; i < h; i++) t.fill(0, i * ld, i * ld + w);
    filled = true;
    if (diagonal) range = hiddenDiagonal(term, linalg, scratch, r0, r1, t, ld, final ? scale : 1, final ? constant : 0);
    else range = hiddenOffDiagonal(term, other, linalg, scratch, tile, t, ld, final ? scale : 1, final ? constant : 0);
  }
  if (diagonal) mirrorTile(t, ld, h, linalg.threads);
  let trace = 0;
  for (let i = Math.max(r0, c0); i < Math.min(r1, c1); i++) trace += t[(i - r0) * ld + (i - c0)]!;
  // −0 and 0 compare equal, so which one a range keeps depends on the order values are visited in
  // (the native passes' threads visit rows in another): a zero is reported as 0.
  return { min: range.min === 0 ? 0 : range.min, max: range.max === 0 ? 0 : range.max, diagonal: trace, nonFinite: range.nonFinite };
}

/** The finite range of values written, and the count of NaN and ±Inf among them (a diagonal tile's upper triangle counted for both). */
interface ValueRange {
  min: number;
  max: number;
  nonFinite: number;
}

type ProductTerm = Extract<KernelTerm, { kind: 'product' }>;

/**
 * The element-wise passes below run in the native helper where it was built
 * (the same float64 arithmetic rounded once to float32: the same bits, tested
 * against these loops), several times faster than JavaScript's.
 */
const NATIVE_MODE = { finish: 0, offDiagonal: 1, diagonal: 2 } as const;

function nativeCombine(mode: keyof typeof NATIVE_MODE, t: Float32Array, ld: number, h: number, w: number, p: Float32Array | null, q: Float32Array | Float64Array | null, scale: number, constant: number, b2: number, diagonal: boolean, threads = 1): ValueRange | null {
  const native = tileHelpers(h * w);
  if (!native) return null;
  const range = new Float64Array(3);
  native.combineTile(NATIVE_MODE[mode], t, ld, h, w, p, q, Float64Array.of(scale, constant, b2, diagonal ? 1 : 0, threads), range);
  return { min: range[0], max: range[1], nonFinite: range[2] };
}

/** The native helper for a tile of `cells` when it has these tile passes (one built by an older ntk-cli has other arguments, or none), else null. */
function tileHelpers(cells: number): NativeHelpers | null {
  if (forceJavaScriptTiles) return null;
  const native = nativeFor(cells);
  return native?.tilePasses === 2 ? native : null;
}

let forceJavaScriptTiles = false;
/** Tests compare the native passes with JavaScript's: this switches the native ones off (true) or back on. */
export function useJavaScriptTiles(on: boolean): void {
  forceJavaScriptTiles = on;
}

/** A diagonal tile's upper triangle onto its lower one, by blocks that stay in cache. */
function mirrorTile(t: Float32Array, ld: number, h: number, threads = 1): void {
  const native = tileHelpers(h * h);
  if (native) return native.mirrorTile(t, ld, h, threads);
  forEachUpperBlock(h, (i0, i1, j0, j1) => {
    for (let i = i0; i < i1; i++) for (let j = Math.max(j0, i + 1); j < j1; j++) t[j * ld + i] = t[i * ld + j];
  });
}

/** t ← scale·(t + constant) over the tile (its upper triangle on a diagonal tile). */
function finishTile(t: Float32Array, ld: number, h: number, w: number, diagonal: boolean, scale: number, constant: number, threads?: number): ValueRange {
  const native = nativeCombine('finish', t, ld, h, w, null, null, scale, constant, 0, diagonal, threads);
  if (native) return native;
  let [min, max, nonFinite] = [Infinity, -Infinity, 0];
  for (let i = 0; i < h; i++) {
    for (let j = diagonal ? i : 0; j < w; j++) {
      const v = Math.fround(scale * (t[i * ld + j]! + constant));
      t[i * ld + j] = v;
      if (v - v !== 0) nonFinite += diagonal && j !== i ? 2 : 1;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return { min, max, nonFinite };
}

/**
 * A hidden product term on a diagonal tile: syrk puts s_w²·A Aᵀ in the upper
 * triangle of one scratch buffer and G Gᵀ in its lower triangle (read
 * transposed, by blocks that stay in cache); t ← scale·(t + P ⊙ Q + constant).
 */
function hiddenDiagonal(term: ProductTerm, linalg: Linalg, scratch: TileScratch, r0: number, r1: number, t: Float32Array, ld: number, scale: number, constant: number): ValueRange {
  const h = r1 - r0;
  const w = h;
  const { weightScale2: s2, bias2: b2 } = term;
  const P = scratch.get('p');
  const pView = { data: P, rows: h, cols: w };
  linalg.syrk(s2, rowsOf(term.inputs, r0, r1), 0, pView);
  // G·Gᵀ's syrk overwrites the diagonal: s2·A·Aᵀ's is kept first. Where it overflowed float32, it is
  // summed again in double, as the diagonal always was before it was kept: with a small enough
  // gradient product the term is back in float32's range (with one of exactly 0, hiddenTermValue
  // makes it 0 either way).
  const aDiagonal = new Float64Array(h);
  for (let i = 0; i < h; i++) {
    const kept = P[i * w + i]!;
    aDiagonal[i] = Number.isFinite(kept) ? kept : s2 * rowNormSquared(term.inputs, r0 + i);
  }
  linalg.syrk(1, rowsOf(term.gradients!, r0, r1), 0, pView, true);
  const native = nativeCombine('diagonal', t, ld, h, w, P, aDiagonal, scale, constant, b2, true, linalg.threads);
  if (native) return native;
  let [min, max, nonFinite] = [Infinity, -Infinity, 0];
  forEachUpperBlock(h, (i0, i1, j0, j1) => {
    for (let i = i0; i < i1; i++) {
      const row = i * ld;
      for (let j = Math.max(j0, i); j < j1; j++) {
        const p = j === i ? aDiagonal[i]! : P[i * w + j]!;
        const v = Math.fround(scale * (t[row + j]! + hiddenTermValue(p, b2, P[j * w + i]!) + constant));
        t[row + j] = v;
        if (v - v !== 0) nonFinite += j !== i ? 2 : 1;
        else {
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
    }
  });
  return { min, max, nonFinite };
}

/** A hidden product term off the diagonal: P = s_w²·A_I A_Jᵀ and Q = G_I G_Jᵀ by gemm; t ← scale·(t + (P + s_b²) ⊙ Q + constant). */
function hiddenOffDiagonal(term: ProductTerm, other: ProductTerm, linalg: Linalg, scratch: TileScratch, tile: Tile, t: Float32Array, ld: number, scale: number, constant: number): ValueRange {
  const { r0, r1, c0, c1 } = tile;
  const h = r1 - r0;
  const w = c1 - c0;
  const b2 = term.bias2;
  const P = scratch.get('p');
  const Q = scratch.get('q');
  linalg.gemm(term.weightScale2, rowsOf(term.inputs, r0, r1), false, rowsOf(other.inputs, c0, c1), true, 0, { data: P, rows: h, cols: w });
  linalg.gemm(1, rowsOf(term.gradients!, r0, r1), false, rowsOf(other.gradients!, c0, c1), true, 0, { data: Q, rows: h, cols: w });
  const native = nativeCombine('offDiagonal', t, ld, h, w, P, Q, scale, constant, b2, false, linalg.threads);
  if (native) return native;
  let [min, max, nonFinite] = [Infinity, -Infinity, 0];
  for (let i = 0; i < h; i++) {
    const row = i * ld;
    const at = i * w;
    for (let j = 0; j < w; j++) {
      const v = Math.fround(scale * (t[row + j]! + hiddenTermValue(P[at + j]!, b2, Q[at + j]!) + constant));
      t[row + j] = v;
      if (v - v !== 0) nonFinite++;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return { min, max, nonFinite };
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
  /** When the last tile was computed (process.hrtime.bigint()): before the wait for its background write. */
  computedAt: bigint;
}

/**
 * Θ(X, Y) (Y = X when null) into `sink`, in tiles on this thread; the products
 * run on `linalg`. A generator: it yields after every tile, so that a caller
 * can let the event loop run (signals, progress) between tiles, and with
 * `background` the promises the caller awaits before it goes on; run it to
 * the end with `runTiles` or `runTilesYielding`, which return the stats.
 */
export function* structuredKernel(model: Network, x: Samples, y: Samples | null, linalg: Linalg, sink: KernelSink, options: StructuredOptions): Generator<Promise<void> | void, StructuredResult> {
  const fx = layerFactors(model, x, linalg);
  const fy = y ? layerFactors(model, y, linalg) : fx;
  const symmetric = y === null;
  const outputs = outputDimOf(model);
  const scale = traceScale(options.trace ?? 'sum', outputs);
  const plan = tilePlan(x.count, fy.count, options.tile, symmetric);
  // A task's tiles must be tiles of this plan: the same products give the same bits.
  const key = (t: Tile) => `${t.r0}:${t.r1}:${t.c0}:${t.c1}`;
  const planned = new Set(plan.map(key));
  if (options.only?.some((t) => !planned.has(key(t)))) throw new RangeError(`a task's tiles are not tiles of the ${options.tile}-cell plan`);
  const tiles = options.only ?? plan;
  const scratch = new TileScratch(Math.min(options.tile, Math.max(x.count, fy.count)));
  const total = options.only ? options.only.reduce((sum, t) => sum + (t.r1 - t.r0) * (t.c1 - t.c0), 0) : x.count * fy.count;
  // In the background, tiles alternate between two buffers: one is written while the other computes.
  const background = options.background && !sink.inPlace && sink.writeBlockLater && sink.written ? { later: sink.writeBlockLater.bind(sink), written: sink.written.bind(sink) } : null;
  let done = 0;
  let stats: TileStats | null = null;
  for (const [index, tile] of tiles.entries()) {
    const h = tile.r1 - tile.r0;
    const w = tile.c1 - tile.c0;
    const diagonal = symmetric && tile.r0 === tile.c0;
    const buffer = background && index % 2 === 1 ? 'spare' : 'out';
    const target = sink.inPlace ? sink.inPlace(tile.r0, tile.c0, h, w) : { data: scratch.get(buffer), rows: h, cols: w };
    const computed = computeTile(fx, fy, outputs, tile, diagonal, linalg, scratch, scale, target);
    const mirrored = symmetric && !diagonal && !options.only;
    if (background) {
      // The previous tile's writes (into the other buffer, and the sink's transposed copy) end first.
      yield background.written();
      background.later(tile.r0, tile.c0, target, false);
      if (mirrored) background.later(tile.c0, tile.r0, target, true);
    } else {
      if (!sink.inPlace) sink.writeBlock(tile.r0, tile.c0, target, false);
      if (mirrored) sink.writeBlock(tile.c0, tile.r0, target, true);
    }
    stats = mergeStats(stats, mirroredStats(computed, mirrored));
    done += h * w * (mirrored ? 2 : 1);
    options.onProgress?.(done / total);
    yield;
  }
  const computedAt = process.hrtime.bigint();
  if (background) yield background.written();
  return { stats: stats!, computedAt };
}

type Tiles = Generator<Promise<void> | void, StructuredResult>;

/** Run the tiles to the end on this thread (without `background`: nothing here can wait). */
export function runTiles(tiles: Tiles): StructuredResult {
  for (;;) {
    const step = tiles.next();
    if (step.done) return step.value;
    if (step.value) throw new Error('background writes need runTilesYielding');
  }
}

/** Run the tiles, letting the event loop run between them (signal handlers, progress output, background writes). */
export async function runTilesYielding(tiles: Tiles): Promise<StructuredResult> {
  for (;;) {
    const step = tiles.next();
    if (step.done) return step.value;
    await (step.value ?? new Promise<void>((resolve) => setImmediate(resolve)));
  }
}
