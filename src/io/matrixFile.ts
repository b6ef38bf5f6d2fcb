/** Reading a 2-D float matrix from a .npy or .csv file (or CSV text on stdin). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CsvFormatError, parseCsv } from './csv';
import { NpyFormatError, parseNpy } from './npy';

export interface MatrixData {
  values: Float32Array | Float64Array;
  rows: number;
  cols: number;
}

export class MatrixFileError extends Error {}

export function parseMatrix(bytes: Uint8Array, name: string): MatrixData {
  const isNpy = path.extname(name).toLowerCase() === '.npy' || (bytes.length >= 6 && bytes[0] === 0x93 && bytes[1] === 0x4e);
  try {
    if (isNpy) {
      const array = parseNpy(bytes);
      if (array.shape.length !== 2) throw new MatrixFileError(`${name}: expected a 2-D array, got shape (${array.shape.join(', ')})`);
      const [rows, cols] = array.shape;
      if (rows === 0 || cols === 0) throw new MatrixFileError(`${name}: the array is empty (shape ${rows}×${cols})`);
      return { values: array.data, rows, cols };
    }
    const csv = parseCsv(Buffer.from(bytes).toString('utf8'));
    return { values: csv.values, rows: csv.rows, cols: csv.cols };
  } catch (error) {
    if (error instanceof NpyFormatError || error instanceof CsvFormatError) throw new MatrixFileError(`${name}: ${error.message}`);
    throw error;
  }
}

/** Read `file` ('-' for CSV on stdin). Throws MatrixFileError with a message that names the file. */
export function readMatrixFile(file: string): MatrixData {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new MatrixFileError(`${file}: ${reason}`);
  }
  return parseMatrix(bytes, file === '-' ? 'stdin' : file);
}
