/**
 * Ticks of a heatmap colorbar's symmetric-log scale: 0 and ±powers of ten. Its
 * linear and logarithmic scales are ticked by plot/'s ports of matplotlib's
 * locators and formatters.
 */

/**
 * Ticks of a symmetric-log axis (SymmetricalLogLocator.tick_values, base 10, numticks 15): 0 and
 * ±powers of ten beyond the linear threshold, thinned to a stride where there are many, and kept
 * within [lo, hi] as the axis keeps them; a range inside ±linthresh is ticked at its two ends.
 */
export function symlogTicks(lo: number, hi: number, linthresh: number): number[] {
  if (-linthresh < lo && lo < hi && hi < linthresh) return [lo, hi];
  const hasA = lo < -linthresh;
  const hasC = hi > linthresh;
  const hasB = (hasA && hi > -linthresh) || (hasC && lo < linthresh);
  const logRange = (a: number, b: number): [number, number] => [Math.floor(Math.log10(a)), Math.ceil(Math.log10(b))];
  const [aLo, aHi] = hasA ? logRange(Math.abs(Math.min(-linthresh, hi)), Math.abs(lo) + 1) : [0, 0];
  const [cLo, cHi] = hasC ? logRange(Math.max(linthresh, lo), hi + 1) : [0, 0];
  const total = aHi - aLo + (cHi - cLo) + (hasB ? 1 : 0);
  const stride = Math.max(Math.floor(total / 14), 1);
  const ticks: number[] = [];
  if (hasA) for (let e = aLo; e < aHi; e += stride) ticks.unshift(-(10 ** e));
  if (hasB) ticks.push(0);
  if (hasC) for (let e = cLo; e < cHi; e += stride) ticks.push(10 ** e);
  // The axis shows only ticks within its view (a hair's tolerance for the ends' rounding).
  const slack = 1e-10 * Math.max(Math.abs(lo), Math.abs(hi));
  return ticks.filter((v) => v >= lo - slack && v <= hi + slack);
}
