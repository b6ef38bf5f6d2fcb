/**
 * Kernel matrices on disk, by extension: .npy (float32 or float64), .csv,
 * .json ({"shape": [rows, cols], "data": [[…], …]}). Text is produced a few
 * megabytes of rows at a time, so a matrix of any size can be written (one
 * string of a 8000² kernel as CSV would pass V8's limit on string length).
 */
import path = require('node:path');
import { formatCsv, formatFloat32 } from './csv';
import { encodeNpy, type NpyDtype } from './npy';

export const MATRIX_FORMATS = ['npy', 'csv', 'json'] as const;
export type MatrixFormat = (typeof MATRIX_FORMATS)[number];

/** The format an output path asks for, or null for an extension this tool does not write. */
export function matrixFormatOf(file: string): MatrixFormat | null {
  const ext = path.extname(file).slice(1).toLowerCase();
  return (MATRIX_FORMATS as readonly string[]).includes(ext) ? (ext as MatrixFormat) : null;
}

/** Rows per text chunk: about 4 MB of text. */
function rowsPerChunk(cols: number): number {
  return Math.max(1, Math.floor((1 << 22) / (10 * cols)));
}

/** The shortest decimal that reads back as the same float64 (JavaScript's own), numpy's nan and ±inf. */
function formatFloat64(value: number): string {
  return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
}

/** A JSON number (null where JSON has none, as JSON.stringify writes NaN). */
function jsonCell(value: number, format: (v: number) => string): string {
  return Number.isFinite(value) ? String(Number(format(value))) : 'null';
}

/** The file's bytes, in chunks of rows. */
export function* matrixChunks(values: ArrayLike<number>, rows: number, cols: number, format: MatrixFormat, dtype: NpyDtype = 'float32'): Generator<Uint8Array> {
  if (format === 'npy') {
    yield encodeNpy(values, [rows, cols], dtype);
    return;
  }
  const step = rowsPerChunk(cols);
  const cell = dtype === 'float64' ? formatFloat64 : formatFloat32;
  if (format === 'json') yield Buffer.from(`{"shape":[${rows},${cols}],"data":[`);
  for (let r0 = 0; r0 < rows; r0 += step) {
    const r1 = Math.min(rows, r0 + step);
    if (format === 'csv') {
      yield Buffer.from(formatCsv(sliceOf(values, r0 * cols, r1 * cols), r1 - r0, cols, cell));
      continue;
    }
    const lines: string[] = [];
    for (let r = r0; r < r1; r++) {
      const cells = new Array<string>(cols);
      for (let c = 0; c < cols; c++) cells[c] = jsonCell(values[r * cols + c], cell);
      lines.push(`[${cells.join(',')}]`);
    }
    yield Buffer.from((r0 > 0 ? ',' : '') + lines.join(','));
  }
  if (format === 'json') yield Buffer.from(']}\n');
}

/** A view of values [start, end) that reads through to `values`. */
function sliceOf(values: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  if (ArrayBuffer.isView(values)) return (values as unknown as Float64Array).subarray(start, end);
  return Array.prototype.slice.call(values, start, end) as number[];
}

/** A lower bound of a text file's size (a digit and a separator a cell), for the free-space check before a run. */
export function minimumMatrixBytes(rows: number, cols: number, format: MatrixFormat, dtype: NpyDtype = 'float32'): number {
  return format === 'npy' ? rows * cols * (dtype === 'float32' ? 4 : 8) + 128 : rows * cols * 2;
}
