/** Types that many layers share. */

/** Row-major float32 samples: `count` rows of `dim` values. */
export interface Samples {
  values: Float32Array;
  count: number;
  dim: number;
}

/** A row-major float32 matrix: element (i, j) is data[i·ld + j], with ld ≥ cols (default cols). */
export interface MatrixView {
  data: Float32Array;
  rows: number;
  cols: number;
  ld?: number;
}

/** A row-major matrix of any float type, as files hold them. */
export interface Matrix {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** Samples as a matrix view. */
export function samplesView(samples: Samples): MatrixView {
  return { data: samples.values, rows: samples.count, cols: samples.dim };
}

/**
 * Where a kernel goes, tile by tile (kernel/sink.ts keeps it in memory,
 * io/npyStream.ts streams it into a .npy file).
 */
export interface KernelSink {
  readonly rows: number;
  readonly cols: number;
  /**
   * Put `block` with its top-left cell at (row, col), or its transpose there
   * when `transpose` is set.
   */
  writeBlock(row: number, col: number, block: MatrixView, transpose: boolean): void;
  /**
   * As writeBlock, but returning before the data is written: the sink reads
   * `block` until `written()` resolves, and the caller leaves it unchanged
   * until then (a file's writes then go on while the next tile computes).
   */
  writeBlockLater?(row: number, col: number, block: MatrixView, transpose: boolean): void;
  /** Resolves once every block given to writeBlockLater is written; rejects with the first failure. */
  written?(): Promise<void>;
  /** A writable view of a block of the matrix itself, where the sink is memory: tiles computed there need no copy. */
  inPlace?(row: number, col: number, rows: number, cols: number): MatrixView;
  /** How a worker thread can write to the same place, where it can. */
  shared?(): SharedSink | null;
}

/** A sink a worker thread can open from a message: shared memory, or a file descriptor the main thread holds open. */
export type SharedSink =
  | { kind: 'memory'; rows: number; cols: number; matrix: Float32Array }
  | { kind: 'file'; rows: number; cols: number; fd: number; dataOffset: number };

/** Refuse a block that does not fit: a sink never writes outside its matrix. */
export function checkPlacement(sink: { rows: number; cols: number }, row: number, col: number, rows: number, cols: number): void {
  if (!(row >= 0 && col >= 0 && row + rows <= sink.rows && col + cols <= sink.cols)) {
    throw new RangeError(`a ${rows}×${cols} block at (${row}, ${col}) does not fit a ${sink.rows}×${sink.cols} kernel`);
  }
}

/** A matrix read by chunks of rows, in order, one chunk in memory at a time. */
export interface RowChunks {
  rows: number;
  cols: number;
  forEachChunk(visit: (startRow: number, values: Float32Array | Float64Array, count: number) => void): void;
}
