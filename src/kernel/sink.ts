/**
 * Where a kernel goes, tile by tile. The kernel code writes tiles to a sink
 * and knows nothing of files: `MatrixSink` keeps the matrix in memory (for
 * pictures), io/npyStream.ts streams it into a .npy file.
 */
import { floatArray } from '../linalg/memory';
import { checkPlacement, type KernelSink, type MatrixView, type SharedSink } from '../types';

export type { KernelSink };

/** Blocks of this side are transposed at a time, so both reads and writes stay within a few cache lines. */
const TRANSPOSE_BLOCK = 32;

/** The kernel in memory, row-major [rows × cols]. */
export class MatrixSink implements KernelSink {
  readonly matrix: Float32Array;

  constructor(readonly rows: number, readonly cols: number, matrix?: Float32Array) {
    this.matrix = matrix ?? floatArray(rows * cols);
    if (this.matrix.length !== rows * cols) throw new RangeError(`a ${rows}×${cols} sink needs ${rows * cols} cells, got ${this.matrix.length}`);
  }

  shared(): SharedSink | null {
    return this.matrix.buffer instanceof SharedArrayBuffer ? { kind: 'memory', rows: this.rows, cols: this.cols, matrix: this.matrix } : null;
  }

  inPlace(row: number, col: number, rows: number, cols: number): MatrixView {
    checkPlacement(this, row, col, rows, cols);
    return { data: this.matrix.subarray(row * this.cols + col), rows, cols, ld: this.cols };
  }

  writeBlock(row: number, col: number, block: MatrixView, transpose: boolean): void {
    const [h, w] = transpose ? [block.cols, block.rows] : [block.rows, block.cols];
    checkPlacement(this, row, col, h, w);
    const ld = block.ld ?? block.cols;
    const out = this.matrix;
    if (!transpose) {
      for (let i = 0; i < block.rows; i++) out.set(block.data.subarray(i * ld, i * ld + block.cols), (row + i) * this.cols + col);
      return;
    }
    for (let i0 = 0; i0 < block.rows; i0 += TRANSPOSE_BLOCK) {
      for (let j0 = 0; j0 < block.cols; j0 += TRANSPOSE_BLOCK) {
        const i1 = Math.min(block.rows, i0 + TRANSPOSE_BLOCK);
        const j1 = Math.min(block.cols, j0 + TRANSPOSE_BLOCK);
        for (let j = j0; j < j1; j++) {
          const target = (row + j) * this.cols + col;
          for (let i = i0; i < i1; i++) out[target + i] = block.data[i * ld + j];
        }
      }
    }
  }
}

