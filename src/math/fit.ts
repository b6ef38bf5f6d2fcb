/** Small numerical summaries the experiments share. */

export interface PowerLawFit {
  slope: number;
  /** log10 of the prefactor: y ≈ 10^intercept · x^slope. */
  intercept: number;
}

/** Least-squares line through (log10 x, log10 y). */
export function fitPowerLaw(x: number[], y: number[]): PowerLawFit {
  const lx = x.map(Math.log10);
  const ly = y.map(Math.log10);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx };
}

/** ‖a − b‖_F / ‖b‖_F. */
export function relativeFrobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

export function geometricMean(values: number[]): number {
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}
