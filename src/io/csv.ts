/** Matrices as comma-separated text: one row per line, no header. */

/** The shortest decimal that reads back as the same float32 (at most 9 significant digits). */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const target = Math.fround(value);
  if (Object.is(target, -0)) return '-0';
  for (let digits = 1; digits < 9; digits++) {
    const text = target.toPrecision(digits);
    if (Math.fround(Number(text)) === target) return String(Number(text));
  }
  return String(Number(target.toPrecision(9)));
}

export function formatCsv(values: ArrayLike<number>, rows: number, cols: number, format = formatFloat32): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells = new Array<string>(cols);
    for (let c = 0; c < cols; c++) cells[c] = format(values[r * cols + c]);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

export class CsvFormatError extends Error {}

export interface CsvMatrix {
  values: Float64Array;
  rows: number;
  cols: number;
  header: string[] | null;
}

function parseCell(cell: string): number {
  const text = cell.trim().toLowerCase();
  if (text === 'nan') return NaN;
  if (text === 'inf' || text === '+inf' || text === 'infinity') return Infinity;
  if (text === '-inf' || text === '-infinity') return -Infinity;
  return text === '' ? NaN : Number(text);
}

const isNumeric = (cell: string) => !Number.isNaN(parseCell(cell)) || /^\s*[+-]?nan\s*$/i.test(cell);

/**
 * A numeric matrix from comma-separated text: one row per line, the same
 * number of cells on every line, blank lines ignored. A first line with any
 * non-numeric cell is a header. `nan`, `inf` and `-inf` are read as numpy
 * writes them.
 */
export function parseCsv(text: string): CsvMatrix {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new CsvFormatError('no rows');
  let header: string[] | null = null;
  const firstCells = lines[0].split(',');
  if (!firstCells.every(isNumeric)) {
    header = firstCells.map((c) => c.trim());
    lines.shift();
    if (lines.length === 0) throw new CsvFormatError('a header but no rows');
  }
  const cols = lines[0].split(',').length;
  const values = new Float64Array(lines.length * cols);
  lines.forEach((line, r) => {
    const cells = line.split(',');
    if (cells.length !== cols) throw new CsvFormatError(`line ${r + (header ? 2 : 1)} has ${cells.length} cells, expected ${cols}`);
    cells.forEach((cell, c) => {
      if (!isNumeric(cell)) throw new CsvFormatError(`line ${r + (header ? 2 : 1)}, column ${c + 1}: '${cell.trim()}' is not a number`);
      values[r * cols + c] = parseCell(cell);
    });
  });
  return { values, rows: lines.length, cols, header };
}
