/**
 * Ticks of a heatmap colorbar's logarithmic and symmetric-log scales (powers
 * of ten, as matplotlib's LogLocator and LogFormatterSciNotation give them). A
 * linear axis is ticked by plot/'s ports of AutoLocator and ScalarFormatter.
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

/** Keep at most `max` of the ticks, every k-th, always keeping the first. */
function thin(ticks: number[], max: number): number[] {
  const every = Math.ceil(ticks.length / Math.max(1, max));
  return ticks.filter((_, i) => i % every === 0);
}

/**
 * Ticks of a logarithmic axis over [lo, hi] (lo > 0): the powers of ten in
 * range (matplotlib's LogLocator), or 1, 2 and 5 times them when fewer than two
 * powers fall inside.
 */
export function logTicks(lo: number, hi: number, maxTicks: number): { ticks: number[]; labels: string[] } {
  const first = Math.ceil(Math.log10(lo) - 1e-9);
  const last = Math.floor(Math.log10(hi) + 1e-9);
  if (last - first + 1 >= 2) {
    const exponents = thin(Array.from({ length: last - first + 1 }, (_, i) => first + i), maxTicks);
    return { ticks: exponents.map((e) => 10 ** e), labels: exponents.map((e) => powerOfTenLabel(e)) };
  }
  const ticks: number[] = [];
  for (let e = first - 1; e <= last + 1; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return { ticks, labels: ticks.map((v) => String(Number(v.toPrecision(1))).replace('-', '\u2212')) };
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
