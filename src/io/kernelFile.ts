/**
 * Kernel matrices on disk, by extension: .npy (float32 or float64), .csv,
 * .json ({"shape": [rows, cols], "data": [[…], …]}).
 */
import * as path from 'node:path';
import { formatCsv, formatFloat32 } from './csv';
import { encodeNpy, type NpyDtype } from './npy';

export const MATRIX_FORMATS = ['npy', 'csv', 'json'] as const;
export type MatrixFormat = (typeof MATRIX_FORMATS)[number];

/** The format an output path asks for, or null for an extension this tool does not write. */
export function matrixFormatOf(file: string): MatrixFormat | null {
  const ext = path.extname(file).slice(1).toLowerCase();
  return (MATRIX_FORMATS as readonly string[]).includes(ext) ? (ext as MatrixFormat) : null;
}

export function encodeMatrix(values: ArrayLike<number>, rows: number, cols: number, format: MatrixFormat, dtype: NpyDtype = 'float32'): Uint8Array {
  switch (format) {
    case 'npy':
      return encodeNpy(values, [rows, cols], dtype);
    case 'csv':
      return Buffer.from(formatCsv(values, rows, cols));
    case 'json': {
      const data: number[][] = [];
      for (let r = 0; r < rows; r++) data.push(Array.from({ length: cols }, (_, c) => Number(formatFloat32(values[r * cols + c]))));
      return Buffer.from(JSON.stringify({ shape: [rows, cols], data }) + '\n');
    }
  }
}
