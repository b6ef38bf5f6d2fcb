/** Matrices as comma-separated text: one row per line, no header. */

/** The shortest decimal that reads back as the same float32 (at most 9 significant digits). */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const target = Math.fround(value);
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
