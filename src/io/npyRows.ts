/**
 * A C-ordered .npy matrix read by chunks of rows, for matrices larger than
 * memory should hold: every pass over the file holds one chunk at a time.
 */
import fs = require('node:fs');
import type { RowChunks } from '../types';
import { decodeValues, NpyFormatError, parseNpyHeader, type NpyHeader } from './npy';

/** Bytes of rows read at a time. */
export const CHUNK_BYTES = 32 << 20;

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

/** The header of a C-ordered 2-D .npy whose data is all there; null for one that cannot be read by rows (Fortran order, not 2-D). */
function matrixHeader(fd: number): NpyHeader | null {
  const size = fs.fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(size, 1 << 16));
  fs.readSync(fd, head, 0, head.length, 0);
  const header = parseNpyHeader(head);
  if (header.fortran || header.shape.length !== 2) return null;
  if (header.dataOffset + header.dataBytes !== size) {
    throw new NpyFormatError(`shape (${header.shape.join(', ')}) needs ${header.dataBytes} data bytes, file has ${size - header.dataOffset}`);
  }
  return header;
}

/** The matrix in `file` as chunks of rows; null when it cannot be read by rows (Fortran order, not 2-D). */
export function npyRowChunks(file: string): RowChunks | null {
  const fd = fs.openSync(file, 'r');
  let header: NpyHeader | null;
  try {
    header = matrixHeader(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (!header) return null;
  const [rows, cols] = header.shape;
  return { rows: rows!, cols: cols!, forEachChunk: (visit) => forEachRowChunk(file, header!, visit) };
}

/** Single values K[i, j] of a C-ordered 2-D .npy, each by a positional read; `close` when done. */
export function npyValueReader(file: string): { at(i: number, j: number): number; close(): void } {
  const fd = fs.openSync(file, 'r');
  let header: NpyHeader | null;
  try {
    header = matrixHeader(fd);
    if (!header) throw new NpyFormatError('not a C-ordered 2-D array');
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  const size = header.dataBytes / (header.shape[0]! * header.shape[1]!);
  const bytes = Buffer.alloc(size);
  return {
    at(i, j) {
      fs.readSync(fd, bytes, 0, size, header!.dataOffset + (i * header!.shape[1]! + j) * size);
      return decodeValues(bytes, header!)[0]!;
    },
    close: () => fs.closeSync(fd),
  };
}
