/** Each column to mean 0 and standard deviation 1 (population); a constant column becomes 0. */
export function standardizeColumns(values: Float64Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += values[r * cols + c];
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (values[r * cols + c] - mean) ** 2;
    const std = Math.sqrt(variance / rows);
    for (let r = 0; r < rows; r++) out[r * cols + c] = std > 0 ? (values[r * cols + c] - mean) / std : 0;
  }
  return out;
}
