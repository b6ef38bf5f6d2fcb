/**
 * Where a kernel goes, tile by tile. The kernel code writes tiles to a sink
 * and knows nothing of file formats: `MatrixSink` keeps the matrix in memory
 * (for pictures); `FileSink` writes a float32 matrix at an offset of a file
 * descriptor it is handed (io/npyStream.ts opens the .npy around it).
 * `openSharedSink` reopens either on a worker thread from its description.
 */
import fs = require('node:fs');
import { floatArray } from '../linalg/memory';
import { nativeFor, type NativeHelpers } from '../native';
import { checkPlacement, type KernelSink, type MatrixView, type SharedSink } from '../types';

export type { KernelSink };

/** Blocks of this side are transposed at a time, so both reads and writes stay within a few cache lines. */
const TRANSPOSE_BLOCK = 32;

/** Columns [j0, j1) of `block` as rows of `out` (row j − j0 from `out[(j − j0)·ldOut]`), square by square. */
function transposeColumns(block: MatrixView, j0: number, j1: number, out: Float32Array, ldOut: number): void {
  const ld = block.ld ?? block.cols;
  for (let i0 = 0; i0 < block.rows; i0 += TRANSPOSE_BLOCK) {
    const i1 = Math.min(block.rows, i0 + TRANSPOSE_BLOCK);
    for (let b0 = j0; b0 < j1; b0 += TRANSPOSE_BLOCK) {
      const b1 = Math.min(j1, b0 + TRANSPOSE_BLOCK);
      for (let j = b0; j < b1; j++) {
        const target = (j - j0) * ldOut;
        for (let i = i0; i < i1; i++) out[target + i] = block.data[i * ld + j]!;
      }
    }
  }
}

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
    transposeColumns(block, 0, block.cols, out.subarray(row * this.cols + col), this.cols);
  }
}

/** Columns transposed at a time for a mirrored write to a file (64 columns of a 4096-row tile: 1 MB). */
const TRANSPOSE_BAND = 64;
/** The most one write call is given: Node refuses lengths of 2 GiB and more (a whole-width block of a large kernel is one run). */
const WRITE_BYTES = 1 << 30;

/**
 * Blocks into a float32 matrix stored row-major from byte `dataOffset` of an
 * open file: positional writes, from any thread; on the main thread also in
 * the background on libuv's threads (one native job per block, or one
 * request per row where the helper is not built).
 */
export class FileSink implements KernelSink {
  readonly rows: number;
  readonly cols: number;
  /** Background writes not yet done, the first failure, and who waits for them. */
  private pending = 0;
  private failure: Error | null = null;
  private waiting: (() => void)[] = [];
  /** The transposed copy of the block being written in the background. */
  private transposed: Float32Array | null = null;
  /** Background writes as one native job per block where the helper is built, else one request per row (tests set null); chosen at the first block. */
  rowWriter: NativeHelpers['writeRows'] | null | undefined;
  /** The most bytes one write call is given (tests set less). */
  writeLimit = WRITE_BYTES;

  constructor(readonly fd: number, readonly dataOffset: number, shape: [number, number]) {
    [this.rows, this.cols] = shape;
  }

  shared(): SharedSink {
    return { kind: 'file', rows: this.rows, cols: this.cols, fd: this.fd, dataOffset: this.dataOffset };
  }

  /** Write `values` contiguously from cell `cell` (row-major index), in calls of at most writeLimit bytes. */
  private writeAt(cell: number, values: Float32Array): void {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, Math.min(bytes.length - done, this.writeLimit), this.dataOffset + cell * 4 + done);
  }

  /**
   * Whether a block of width `w` stored with row stride `ld` is whole rows of the file, one after
   * another in memory as there: then it is one write, as a write per row costs more than the copy.
   */
  private contiguous(ld: number, w: number): boolean {
    return ld === w && w === this.cols;
  }

  writeBlock(row: number, col: number, block: MatrixView, transpose: boolean): void {
    const [h, w] = transpose ? [block.cols, block.rows] : [block.rows, block.cols];
    checkPlacement(this, row, col, h, w);
    const ld = block.ld ?? block.cols;
    if (!transpose) {
      if (this.contiguous(ld, w)) return this.writeAt(row * this.cols, block.data.subarray(0, h * w));
      for (let i = 0; i < block.rows; i++) this.writeAt((row + i) * this.cols + col, block.data.subarray(i * ld, i * ld + block.cols));
      return;
    }
    // Column j of the block is row `row + j` of the file from `col` on: transposed a band of
    // TRANSPOSE_BAND columns at a time, in small squares that stay in cache, then one positional write per row.
    const band = new Float32Array(TRANSPOSE_BAND * block.rows);
    for (let j0 = 0; j0 < block.cols; j0 += TRANSPOSE_BAND) {
      const j1 = Math.min(block.cols, j0 + TRANSPOSE_BAND);
      transposeColumns(block, j0, j1, band, block.rows);
      for (let j = j0; j < j1; j++) this.writeAt((row + j) * this.cols + col, band.subarray((j - j0) * block.rows, (j - j0 + 1) * block.rows));
    }
  }

  writeBlockLater(row: number, col: number, block: MatrixView, transpose: boolean): void {
    const [h, w] = transpose ? [block.cols, block.rows] : [block.rows, block.cols];
    checkPlacement(this, row, col, h, w);
    let source = block;
    if (transpose) {
      // The previous transposed block is written (the caller waited for written()): its buffer is free.
      if (!this.transposed || this.transposed.length < h * w) this.transposed = floatArray(h * w);
      transposeColumns(block, 0, block.cols, this.transposed, w);
      source = { data: this.transposed, rows: h, cols: w };
    }
    const ld = source.ld ?? source.cols;
    const position = this.dataOffset + (row * this.cols + col) * 4;
    if (this.rowWriter === undefined) this.rowWriter = nativeFor(h * w)?.writeRows ?? null;
    if (this.rowWriter) {
      // All the block's rows in one job on libuv's threads (a request per row costs the main thread microseconds each).
      this.pending++;
      try {
        this.rowWriter(this.fd, source.data, ld, h, w, position, this.cols * 4, (error) => this.settled(error));
      } catch (error) {
        this.settled(error as Error);
        throw error;
      }
      return;
    }
    const [rows, length] = this.contiguous(ld, w) ? [1, h * w] : [h, w];
    for (let i = 0; i < rows; i++) {
      const values = source.data.subarray(i * ld, i * ld + length);
      this.writeInBackground(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), position + i * this.cols * 4);
    }
  }

  written(): Promise<void> {
    if (this.pending === 0) return this.failure ? Promise.reject(this.failure) : Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push(() => (this.failure ? reject(this.failure) : resolve())));
  }

  /** One positional write on libuv's threads; the rest of a short write is written again. */
  private writeInBackground(bytes: Uint8Array, position: number): void {
    this.pending++;
    fs.write(this.fd, bytes, 0, Math.min(bytes.length, this.writeLimit), position, (error, done) => {
      if (!error && done < bytes.length) this.writeInBackground(bytes.subarray(done), position + done);
      this.settled(error);
    });
  }

  /** A background write ended (with its error, if it failed). */
  private settled(error: Error | null): void {
    this.pending--;
    if (error) this.failure ??= error;
    if (this.pending === 0) for (const wake of this.waiting.splice(0)) wake();
  }
}

/** A sink described by `shared()`, opened again (on a worker thread). */
export function openSharedSink(spec: SharedSink): KernelSink {
  return spec.kind === 'memory' ? new MatrixSink(spec.rows, spec.cols, spec.matrix) : new FileSink(spec.fd, spec.dataOffset, [spec.rows, spec.cols]);
}
