/**
 * Matrices named on the command line (inputs, targets, a kernel): read,
 * checked for NaN and ±Inf, and refused in one line that names the flag and
 * file, with positions as the file itself counts them.
 */
import { InputError, UsageError } from '../errors';
import { MatrixFileError, readLargeMatrixFile, readMatrixFile, type MatrixData } from '../io/matrixFile';
import { floatArray } from '../linalg/memory';
import { noteInput } from './outputs';

/** Where entry i of a matrix is in its file: a CSV's line and column (from 1, as its syntax errors are), a .npy's index [row, column] (NumPy's, from 0). */
function placeOf(matrix: MatrixData, i: number): string {
  const [r, c] = [Math.floor(i / matrix.cols), i % matrix.cols];
  return matrix.lines ? `line ${matrix.lines[r]}, column ${c + 1}` : `[${r}, ${c}]`;
}

/** The first NaN or ±Inf of a matrix, where the file has it; null when every value is finite. */
export function nonFinitePlace(matrix: MatrixData): string | null {
  for (let i = 0; i < matrix.values.length; i++) {
    const v = matrix.values[i];
    if (!Number.isFinite(v)) return `${placeOf(matrix, i)} is ${v}`;
  }
  return null;
}

/** The first value that rounds to ±Inf in float32 (which the file's float64 or text can hold), where the file has it; null when there is none. */
function beyondFloat32(matrix: MatrixData): string | null {
  if (matrix.values instanceof Float32Array) return null;
  for (let i = 0; i < matrix.values.length; i++) {
    const v = matrix.values[i];
    if (!Number.isFinite(Math.fround(v))) return `${placeOf(matrix, i)} is ${v}, beyond float32's range (inputs are held in float32)`;
  }
  return null;
}

export interface ReadMatrixOptions {
  /** A float32 .npy is read straight into one array (a kernel of gigabytes). */
  large?: boolean;
  /** The name a positional argument is noted under ('MATRIX'). */
  argument?: string;
  /** A 1-D .npy is one column. */
  vectorAsColumn?: boolean;
  /** NaN and ±Inf are data (a picture draws them), not an error; the file is noted by the caller. */
  anyValues?: boolean;
  /** A .npy of images (n, C, H, W) is read as rows of C·H·W, its image shape kept ('any': samples of any shape). */
  images?: boolean | 'any';
  /** The values will be held in float32: one beyond its range is refused with its place, not turned into ±Inf. */
  float32?: boolean;
}

/**
 * The matrix in `file` ('-' for CSV on stdin), for `flag` (null for a
 * positional argument), finite unless `anyValues`; every failure is one line
 * naming the flag and file.
 */
export function readFlagMatrix(flag: string | null, file: string, options: ReadMatrixOptions = {}): MatrixData {
  if (!options.anyValues) noteInput(flag ?? options.argument ?? 'MATRIX', file);
  const prefix = flag === null ? '' : `${flag} `;
  let matrix;
  try {
    matrix = options.large ? readLargeMatrixFile(file, floatArray) : readMatrixFile(file, { vectorAsColumn: options.vectorAsColumn, images: options.images });
  } catch (error) {
    if (error instanceof MatrixFileError) throw new InputError(`${prefix}${error.message}`);
    throw error;
  }
  const bad = options.anyValues ? null : (nonFinitePlace(matrix) ?? (options.float32 ? beyondFloat32(matrix) : null));
  if (bad) throw new InputError(`${prefix}${file}: ${bad}`);
  return matrix;
}

/**
 * Targets: one row per sample (`rows` of them), any number of columns; a
 * 1-D array (shape (n,), as NumPy saves a vector) is one column.
 */
export function readTargets(flag: string, file: string, rows: number, what = 'one per sample'): { values: Float64Array; cols: number } {
  const matrix = readFlagMatrix(flag, file, { vectorAsColumn: true });
  if (matrix.rows !== rows) throw new UsageError(`${flag} ${file}: ${matrix.rows} rows, ${what} expected (${rows})`);
  return { values: Float64Array.from(matrix.values), cols: matrix.cols };
}
