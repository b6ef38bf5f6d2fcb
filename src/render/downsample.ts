/**
 * Reduce a matrix to at most `rows × cols` by blocks, so a kernel larger than
 * the pixels that show it is drawn from every cell rather than a sample of
 * them: output pixel (r, c) covers input rows ⌊r·R/rows⌋ … ⌊(r+1)·R/rows⌋ − 1
 * (likewise columns) and takes their mean or max, NaN cells ignored (a block
 * of NaN alone stays NaN). In a mean, ±Inf cells count as values too large for
 * any sum: the sign with more of them decides the block (±Inf), and where both
 * signs are as many they cancel, leaving the finite cells' sum over all the
 * cells. BlockReducer takes the rows in order, in pieces, so a matrix too
 * large to hold can stream through it.
 */
import { emptyScan, scanInto } from '../math/scan';
import type { RowChunks } from '../types';

export const DOWNSAMPLE_MODES = ['mean', 'max'] as const;
export type DownsampleMode = (typeof DOWNSAMPLE_MODES)[number];

export interface Matrix {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
}

/**
 * A matrix read piecewise (from a file larger than memory should hold): its
 * shape, its finite range, NaN and ±Inf counts, and its block reduction.
 */
export interface StreamedMatrix {
  rows: number;
  cols: number;
  range: [number, number] | null;
  nanCells: number;
  infiniteCells: number;
  reduce(rows: number, cols: number, mode: DownsampleMode): Matrix;
}

function blockEdges(from: number, to: number): Int32Array {
  const edges = new Int32Array(to + 1);
  for (let i = 0; i <= to; i++) edges[i] = Math.floor((i * from) / to);
  return edges;
}

export class BlockReducer {
  readonly outRows: number;
  readonly outCols: number;
  private readonly rowEdges: Int32Array;
  private readonly colEdges: Int32Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  /** +Inf cells minus −Inf cells, per block (mean). */
  private readonly infinities: Float64Array;
  private outRow = 0;

  constructor(rows: number, private readonly cols: number, maxRows: number, maxCols: number, private readonly mode: DownsampleMode) {
    this.outRows = Math.min(maxRows, rows);
    this.outCols = Math.min(maxCols, cols);
    this.rowEdges = blockEdges(rows, this.outRows);
    this.colEdges = blockEdges(cols, this.outCols);
    this.sums = new Float64Array(this.outRows * this.outCols).fill(mode === 'max' ? -Infinity : 0);
    this.counts = new Float64Array(this.outRows * this.outCols);
    this.infinities = new Float64Array(mode === 'mean' ? this.outRows * this.outCols : 0);
  }

  /** Add `count` whole rows, starting at row `start` (rows must come in order). */
  addRows(start: number, values: ArrayLike<number>, count: number): void {
    for (let i = 0; i < count; i++) {
      const r = start + i;
      while (r >= this.rowEdges[this.outRow + 1]) this.outRow++;
      const base = this.outRow * this.outCols;
      let outCol = 0;
      for (let c = 0; c < this.cols; c++) {
        while (c >= this.colEdges[outCol + 1]) outCol++;
        const v = values[i * this.cols + c];
        if (Number.isNaN(v)) continue;
        const k = base + outCol;
        if (this.mode === 'max') {
          if (v > this.sums[k]) this.sums[k] = v;
        } else if (v === Infinity || v === -Infinity) this.infinities[k] += Math.sign(v);
        else this.sums[k] += v;
        this.counts[k]++;
      }
    }
  }

  result(): Matrix {
    const values = new Float64Array(this.outRows * this.outCols);
    for (let k = 0; k < values.length; k++) {
      if (this.counts[k] === 0) values[k] = NaN;
      else if (this.mode === 'max') values[k] = this.sums[k];
      else values[k] = this.infinities[k] !== 0 ? Math.sign(this.infinities[k]) * Infinity : this.sums[k] / this.counts[k];
    }
    return { values, rows: this.outRows, cols: this.outCols };
  }
}

/** A streamed matrix over row chunks: one pass for the range and NaN count now, one per reduction. */
export function streamedMatrix(source: RowChunks): StreamedMatrix {
  const scan = emptyScan();
  source.forEachChunk((_start, values) => scanInto(scan, values));
  return {
    rows: source.rows,
    cols: source.cols,
    range: scan.min <= scan.max ? [scan.min, scan.max] : null,
    nanCells: scan.nan,
    infiniteCells: scan.infinite,
    reduce: (maxRows, maxCols, mode) => {
      const reducer = new BlockReducer(source.rows, source.cols, maxRows, maxCols, mode);
      source.forEachChunk((start, values, count) => reducer.addRows(start, values, count));
      return reducer.result();
    },
  };
}

export function blockReduce(matrix: Matrix, rows: number, cols: number, mode: DownsampleMode): Matrix {
  const reducer = new BlockReducer(matrix.rows, matrix.cols, rows, cols, mode);
  reducer.addRows(0, matrix.values, matrix.rows);
  return reducer.result();
}
