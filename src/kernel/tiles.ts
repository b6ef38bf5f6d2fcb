/**
 * How a kernel matrix is cut into tiles: square tiles of one side, row panel
 * by row panel (so a file sink is written mostly in order), only on and above
 * the diagonal when the kernel is symmetric.
 */

export interface Tile {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** The cuts of [0, n) into pieces of at most `side`, as even as whole multiples of 64 allow. */
export function cuts(n: number, side: number): number[] {
  const pieces = Math.max(1, Math.ceil(n / side));
  const step = Math.min(side, Math.ceil(n / pieces / 64) * 64);
  const edges: number[] = [];
  for (let e = 0; e < n; e += step) edges.push(e);
  edges.push(n);
  return edges;
}

export function tilePlan(rows: number, cols: number, side: number, symmetric: boolean): Tile[] {
  if (symmetric && rows !== cols) throw new RangeError(`a symmetric kernel is square, not ${rows}×${cols}`);
  const rowEdges = cuts(rows, side);
  const colEdges = symmetric ? rowEdges : cuts(cols, side);
  const tiles: Tile[] = [];
  for (let i = 0; i + 1 < rowEdges.length; i++) {
    for (let j = symmetric ? i : 0; j + 1 < colEdges.length; j++) {
      tiles.push({ r0: rowEdges[i], r1: rowEdges[i + 1], c0: colEdges[j], c1: colEdges[j + 1] });
    }
  }
  return tiles;
}

/**
 * The tile side. BLAS runs near its peak from 1024 up, and smaller tiles touch
 * less fresh scratch memory; a tile streamed to a file is written row by row
 * and mirrored column by column, one positional write per line, so file sinks
 * get larger tiles and longer writes. TensorFlow.js allocates each product
 * anew in its heap, so it keeps to 1024.
 */
export function tileSideFor(linalgName: string, streamed = false): number {
  return linalgName !== 'tfjs' && streamed ? 4096 : 1024;
}
