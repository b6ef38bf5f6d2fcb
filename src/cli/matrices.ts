/** Matrices named by flags (inputs, targets): read, checked, and refused in one line that names the flag and file. */
import { InputError, UsageError } from '../errors';
import { MatrixFileError, readMatrixFile, type MatrixData } from '../io/matrixFile';
import { noteInput } from './outputs';

/** The finite matrix in `file` ('-' for CSV on stdin), for `flag`. */
export function readFlagMatrix(flag: string, file: string): MatrixData {
  noteInput(flag, file);
  let matrix;
  try {
    matrix = readMatrixFile(file);
  } catch (error) {
    if (error instanceof MatrixFileError) throw new InputError(`${flag} ${error.message}`);
    throw error;
  }
  for (let i = 0; i < matrix.values.length; i++) {
    const v = matrix.values[i];
    if (Number.isFinite(v)) continue;
    const [r, c] = [Math.floor(i / matrix.cols), i % matrix.cols];
    // CSV positions are file lines and columns from 1, as its syntax errors are; .npy positions are NumPy's indices.
    const where = matrix.lines ? `line ${matrix.lines[r]}, column ${c + 1}` : `row ${r}, column ${c}`;
    throw new InputError(`${flag} ${file}: ${where} is ${v}`);
  }
  return matrix;
}

/** Targets: one row per sample (`rows` of them), any number of columns. */
export function readTargets(flag: string, file: string, rows: number, what = 'one per sample'): { values: Float64Array; cols: number } {
  const matrix = readFlagMatrix(flag, file);
  if (matrix.rows !== rows) throw new UsageError(`${flag} ${file}: ${matrix.rows} rows, ${what} expected (${rows})`);
  return { values: Float64Array.from(matrix.values), cols: matrix.cols };
}
