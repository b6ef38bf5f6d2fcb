/**
 * Reading a 2-D float matrix: a .npy file, CSV text (a file, or stdin), or the
 * JSON `kernel` writes ({"shape": [rows, cols], "data": [[…], …]}). Files that
 * are something else (a picture, a PyTorch checkpoint) are named as such.
 */
import fs = require('node:fs');
import path = require('node:path');
import { readFailure } from '../errors';
import { CsvFormatError, parseCsvBytes } from './csv';
import { recognisedKind } from './fileKind';
import { NpyFormatError, parseNpy, parseNpyHeader } from './npy';

export interface MatrixData {
  values: Float32Array | Float64Array;
  rows: number;
  cols: number;
  /** For a .npy of samples read with `images`: one row's shape ((C, H, W) for images). */
  sampleShape?: number[];
  /** For CSV: the file line (from 1) of each row, for messages. */
  lines?: Int32Array;
}

/** ntk-cli's JSON kernel: {"shape": [rows, cols], "data": [[…], …]}. */
function parseKernelJson(text: string): MatrixData {
  let parsed: { shape?: unknown; data?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MatrixFileError(`not valid JSON (${(error as Error).message})`);
  }
  const shape = parsed.shape;
  const data = parsed.data;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((v) => Number.isSafeInteger(v) && v > 0) || !Array.isArray(data)) {
    throw new MatrixFileError('not a kernel: expected {"shape": [rows, cols], "data": [[…], …]}');
  }
  const [rows, cols] = shape as number[];
  if (data.length !== rows || !data.every((row) => Array.isArray(row) && row.length === cols)) throw new MatrixFileError(`"data" is not ${rows} rows of ${cols} values`);
  const values = new Float64Array(rows * cols);
  (data as unknown[][]).forEach((row, r) =>
    row.forEach((v, c) => {
      if (typeof v !== 'number') throw new MatrixFileError(`[${r}, ${c}] is not a number`);
      values[r * cols + c] = v;
    }),
  );
  return { values, rows, cols };
}

export class MatrixFileError extends Error {}

export interface ReadOptions {
  /** A 1-D .npy of n values is an n × 1 matrix (a vector of targets, as NumPy saves one). */
  vectorAsColumn?: boolean;
  /** A .npy of n images (n, C, H, W) is an n × C·H·W matrix, with the image shape kept; 'any': n samples of any shape (n, …). */
  images?: boolean | 'any';
}

export function parseMatrix(bytes: Uint8Array, name: string, options: ReadOptions = {}): MatrixData {
  const isNpy = path.extname(name).toLowerCase() === '.npy' || (bytes.length >= 6 && bytes[0] === 0x93 && bytes[1] === 0x4e);
  const kind = recognisedKind(bytes);
  if (kind && kind !== 'a .npy array') throw new MatrixFileError(`${name}: is ${kind}, not a matrix (.npy, .csv, or the .json \`kernel\` writes)`);
  try {
    if (path.extname(name).toLowerCase() === '.json') {
      // V8 cannot hold one string over 2²⁹ − 24 characters: a larger JSON kernel is refused with a way out.
      if (bytes.length >= 0x1fffffe8) throw new MatrixFileError(`${name}: ${(bytes.length / 1e9).toFixed(1)} GB of JSON is too large to read; write the kernel as .npy (or CSV) instead`);
      return parseKernelJson(Buffer.from(bytes).toString('utf8'));
    }
    if (isNpy) {
      const array = parseNpy(bytes);
      if (options.vectorAsColumn && array.shape.length === 1) array.shape = [array.shape[0], 1];
      if (options.images && (array.shape.length === 4 || (options.images === 'any' && array.shape.length > 2))) {
        const [rows, ...sampleShape] = array.shape;
        if (rows === 0 || sampleShape.some((s) => s === 0)) throw new MatrixFileError(`${name}: the array is empty (shape ${array.shape.join('×')})`);
        return { values: array.data, rows, cols: sampleShape.reduce((a, b) => a * b, 1), sampleShape };
      }
      if (array.shape.length !== 2) throw new MatrixFileError(`${name}: expected a 2-D array${options.images ? ' (n × d) or images (n, C, H, W)' : ''}, got shape (${array.shape.join(', ')})`);
      const [rows, cols] = array.shape;
      if (rows === 0 || cols === 0) throw new MatrixFileError(`${name}: the array is empty (shape ${rows}×${cols})`);
      return { values: array.data, rows, cols };
    }
    const csv = parseCsvBytes(bytes);
    return { values: csv.values, rows: csv.rows, cols: csv.cols, lines: csv.lines };
  } catch (error) {
    if (error instanceof NpyFormatError || error instanceof CsvFormatError) throw new MatrixFileError(`${name}: ${error.message}`);
    if (error instanceof MatrixFileError && !error.message.startsWith(`${name}:`)) throw new MatrixFileError(`${name}: ${error.message}`);
    throw error;
  }
}

/** Read `file` ('-' for CSV on stdin). Throws MatrixFileError with a message that names the file. */
export function readMatrixFile(file: string, options: ReadOptions = {}): MatrixData {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory, not a matrix file' : readFailure(error);
    throw new MatrixFileError(`${file}: ${reason}`);
  }
  return parseMatrix(bytes, file === '-' ? 'stdin' : file, options);
}

/**
 * Read `file` as readMatrixFile does, but a little-endian float32 C-order
 * .npy (what `kernel` writes) goes straight from the file into an array from
 * `allocate`: no second copy of a matrix that may take gigabytes.
 */
export function readLargeMatrixFile(file: string, allocate: (length: number) => Float32Array): MatrixData {
  if (file === '-' || path.extname(file).toLowerCase() !== '.npy') return readMatrixFile(file);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return readMatrixFile(file); // which names the problem
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 1 << 16));
    fs.readSync(fd, head, 0, head.length, 0);
    let header;
    try {
      header = parseNpyHeader(head);
    } catch {
      return readMatrixFile(file);
    }
    const direct = header.dtype === 'float32' && header.littleEndian && !header.fortran && header.shape.length === 2 && header.dataOffset + header.dataBytes === size;
    if (!direct || header.shape[0] === 0 || header.shape[1] === 0) return readMatrixFile(file);
    const [rows, cols] = header.shape;
    const values = allocate(rows * cols);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    for (let done = 0; done < bytes.length; ) {
      const read = fs.readSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 26), header.dataOffset + done);
      if (read === 0) throw new MatrixFileError(`${file}: the file ended before its data`);
      done += read;
    }
    return { values, rows, cols };
  } finally {
    fs.closeSync(fd);
  }
}
