/** Matrices named by flags (inputs, targets): read, checked, and refused in one line that names the flag and file. */
import { InputError, UsageError } from '../errors';
import { MatrixFileError, readMatrixFile, type MatrixData } from '../io/matrixFile';
import { firstNonFinite } from '../model/stateDict';

/** The finite matrix in `file` ('-' for CSV on stdin), for `flag`. */
export function readFlagMatrix(flag: string, file: string): MatrixData {
  let matrix;
  try {
    matrix = readMatrixFile(file);
  } catch (error) {
    if (error instanceof MatrixFileError) throw new InputError(`${flag} ${error.message}`);
    throw error;
  }
  const bad = firstNonFinite(matrix.values, [matrix.rows, matrix.cols]);
  if (bad) throw new InputError(`${flag} ${file}: ${bad}`);
  return matrix;
}

/** Targets: one row per sample (`rows` of them), any number of columns. */
export function readTargets(flag: string, file: string, rows: number, what = 'one per sample'): { values: Float64Array; cols: number } {
  const matrix = readFlagMatrix(flag, file);
  if (matrix.rows !== rows) throw new UsageError(`${flag} ${file}: ${matrix.rows} rows, ${what} expected (${rows})`);
  return { values: Float64Array.from(matrix.values), cols: matrix.cols };
}
