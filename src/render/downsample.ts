/**
 * Reduce a matrix to at most `rows × cols` by blocks, so a kernel larger than
 * the pixels that show it is drawn from every cell rather than a sample of
 * them: output pixel (r, c) covers input rows ⌊r·R/rows⌋ … ⌊(r+1)·R/rows⌋ − 1
 * (likewise columns) and takes their mean or max, NaN cells ignored (a block
 * of NaN alone stays NaN).
 */

export const DOWNSAMPLE_MODES = ['mean', 'max'] as const;
export type DownsampleMode = (typeof DOWNSAMPLE_MODES)[number];

export interface Matrix {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
}

function blockEdges(from: number, to: number): Int32Array {
  const edges = new Int32Array(to + 1);
  for (let i = 0; i <= to; i++) edges[i] = Math.floor((i * from) / to);
  return edges;
}

export function blockReduce(matrix: Matrix, rows: number, cols: number, mode: DownsampleMode): Matrix {
  const outRows = Math.min(rows, matrix.rows);
  const outCols = Math.min(cols, matrix.cols);
  const rowEdges = blockEdges(matrix.rows, outRows);
  const colEdges = blockEdges(matrix.cols, outCols);
  const sums = new Float64Array(outRows * outCols).fill(mode === 'max' ? -Infinity : 0);
  const counts = new Float64Array(outRows * outCols);
  // Walk the input once, row by row, so a large matrix streams through the cache.
  let outRow = 0;
  for (let r = 0; r < matrix.rows; r++) {
    while (r >= rowEdges[outRow + 1]) outRow++;
    const base = outRow * outCols;
    let outCol = 0;
    for (let c = 0; c < matrix.cols; c++) {
      while (c >= colEdges[outCol + 1]) outCol++;
      const v = matrix.values[r * matrix.cols + c];
      if (Number.isNaN(v)) continue;
      const k = base + outCol;
      if (mode === 'max') {
        if (v > sums[k]) sums[k] = v;
      } else sums[k] += v;
      counts[k]++;
    }
  }
  const values = new Float64Array(outRows * outCols);
  for (let k = 0; k < values.length; k++) {
    values[k] = counts[k] === 0 ? NaN : mode === 'max' ? sums[k] : sums[k] / counts[k];
  }
  return { values, rows: outRows, cols: outCols };
}
