/**
 * Ticks of a heatmap colorbar's symmetric-log scale: 0 and ±powers of ten. Its
 * linear and logarithmic scales are ticked by plot/'s ports of matplotlib's
 * locators and formatters.
 */

const SUPERSCRIPT: Record<string, string> = {
  '-': '\u207b', '0': '\u2070', '1': '\u00b9', '2': '\u00b2', '3': '\u00b3', '4': '\u2074',
  '5': '\u2075', '6': '\u2076', '7': '\u2077', '8': '\u2078', '9': '\u2079',
};

/** "10⁻³", as matplotlib's LogFormatterSciNotation writes 10^{-3}. */
export function powerOfTenLabel(exponent: number, sign = 1): string {
  const power = `10${String(exponent).split('').map((ch) => SUPERSCRIPT[ch]).join('')}`;
  return sign < 0 ? `\u2212${power}` : power;
}

/** Ticks of a symmetric-log axis: 0 and ±powers of ten beyond the linear threshold. */
export function symlogTicks(lo: number, hi: number, linthresh: number, maxTicks: number): { ticks: number[]; labels: string[] } {
  const largest = Math.max(Math.abs(lo), Math.abs(hi));
  const first = Math.ceil(Math.log10(linthresh) - 1e-9);
  const last = Math.floor(Math.log10(largest) + 1e-9);
  const values: [number, string][] = [];
  for (let e = last; e >= first; e--) if (-(10 ** e) >= lo) values.push([-(10 ** e), powerOfTenLabel(e, -1)]);
  if (lo <= 0 && hi >= 0) values.push([0, '0']);
  for (let e = first; e <= last; e++) if (10 ** e <= hi) values.push([10 ** e, powerOfTenLabel(e)]);
  const kept = values.length > maxTicks ? values.filter(([v]) => v === 0 || Math.round(Math.log10(Math.abs(v))) % Math.ceil(values.length / maxTicks) === 0) : values;
  return { ticks: kept.map(([v]) => v), labels: kept.map(([, l]) => l) };
}
