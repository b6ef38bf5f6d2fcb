/**
 * A C-ordered .npy matrix read by chunks of rows, for pictures of kernels
 * larger than memory should hold: two passes over the file (range and NaN
 * count, then the block reduction), never more than one chunk in memory.
 */
import * as fs from 'node:fs';
import { BlockReducer, type StreamedMatrix } from '../render/downsample';
import { decodeValues, NpyFormatError, parseNpyHeader, type NpyHeader } from './npy';

const CHUNK_BYTES = 32 << 20;

function forEachRowChunk(file: string, header: NpyHeader, visit: (startRow: number, values: Float32Array | Float64Array, rows: number) => void): void {
  const rows = header.shape[0];
  const rowBytes = header.dataBytes / rows;
  const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / rowBytes));
  const buffer = Buffer.alloc(chunkRows * rowBytes);
  const fd = fs.openSync(file, 'r');
  try {
    for (let start = 0; start < rows; start += chunkRows) {
      const count = Math.min(chunkRows, rows - start);
      const bytes = buffer.subarray(0, count * rowBytes);
      let done = 0;
      while (done < bytes.length) {
        const read = fs.readSync(fd, bytes, done, bytes.length - done, header.dataOffset + start * rowBytes + done);
        if (read === 0) throw new NpyFormatError('file ended before its data');
        done += read;
      }
      visit(start, decodeValues(bytes, header), count);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The matrix in `file`, streamed; null when it cannot be streamed by rows (Fortran order, not 2-D). */
export function streamedNpyMatrix(file: string): StreamedMatrix | null {
  const fd = fs.openSync(file, 'r');
  let header: NpyHeader;
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 1 << 16));
    fs.readSync(fd, head, 0, head.length, 0);
    header = parseNpyHeader(head);
  } finally {
    fs.closeSync(fd);
  }
  if (header.fortran || header.shape.length !== 2) return null;
  if (header.dataOffset + header.dataBytes !== size) {
    throw new NpyFormatError(`shape (${header.shape.join(', ')}) needs ${header.dataBytes} data bytes, file has ${size - header.dataOffset}`);
  }
  const [rows, cols] = header.shape;
  let lo = Infinity;
  let hi = -Infinity;
  let nanCells = 0;
  forEachRowChunk(file, header, (_start, values) => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v)) nanCells++;
      else if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  });
  return {
    rows,
    cols,
    range: lo <= hi ? [lo, hi] : null,
    nanCells,
    reduce: (maxRows, maxCols, mode) => {
      const reducer = new BlockReducer(rows, cols, maxRows, maxCols, mode);
      forEachRowChunk(file, header, (start, values, count) => reducer.addRows(start, values, count));
      return reducer.result();
    },
  };
}
