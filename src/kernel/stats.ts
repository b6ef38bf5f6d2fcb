/** Summary numbers of a kernel matrix, for the CLI's report and --json. */
export interface KernelStats {
  min: number;
  max: number;
  /** Σ_i K_ii (square matrices only, else null). */
  trace: number | null;
  /** trace / n (square matrices only, else null). */
  diag_mean: number | null;
  /** NaN and ±Inf entries (excluded from min and max). */
  non_finite: number;
}

/** Min and max of the finite values, and how many are NaN or ±Inf. */
export function scanValues(values: ArrayLike<number>): { min: number; max: number; nonFinite: number } {
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) nonFinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max, nonFinite };
}

export function kernelStats(values: ArrayLike<number>, rows: number, cols: number): KernelStats {
  const { min, max, nonFinite } = scanValues(values);
  if (rows !== cols) return { min, max, trace: null, diag_mean: null, non_finite: nonFinite };
  let trace = 0;
  for (let i = 0; i < rows; i++) trace += values[i * cols + i];
  return { min, max, trace, diag_mean: trace / rows, non_finite: nonFinite };
}
