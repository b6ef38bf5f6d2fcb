/**
 * "Nice" tick positions and labels, after matplotlib's MaxNLocator (steps 1,
 * 2, 2.5, 5, 10 times a power of ten) and ScalarFormatter (a shared number of
 * decimals; a ×10^k factor shown once when the values are below 1e-4 or at
 * least 1e6 in magnitude: matplotlib's `axes.formatter.limits` of −5 and 6,
 * which keep orders of magnitude −4 to 5 unscaled).
 */

const STEPS = [1, 2, 2.5, 5, 10];

/** Ticks inside [lo, hi], at most about `maxTicks` of them, on a nice step. */
export function niceTicks(lo: number, hi: number, maxTicks: number): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return Number.isFinite(lo) ? [lo] : [];
  const rawStep = (hi - lo) / Math.max(1, maxTicks);
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  for (const s of STEPS) {
    const step = s * magnitude;
    if (step < rawStep * (1 - 1e-9)) continue;
    const first = Math.ceil(lo / step - 1e-9);
    const last = Math.floor(hi / step + 1e-9);
    if (last - first + 1 >= 2 || s === 10) {
      const ticks: number[] = [];
      for (let k = first; k <= last; k++) ticks.push(k * step === 0 ? 0 : k * step);
      return ticks;
    }
  }
  return [lo, hi];
}

export interface TickLabels {
  labels: string[];
  /** Power of ten the labels are scaled by ("1e-5" drawn above the axis), or 0. */
  exponent: number;
}

function decimalsOf(step: number): number {
  for (let d = 0; d < 12; d++) {
    if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6 * 10 ** d * Math.abs(step) + 1e-12) return d;
  }
  return 12;
}

export function formatTicks(ticks: number[]): TickLabels {
  if (ticks.length === 0) return { labels: [], exponent: 0 };
  const largest = Math.max(...ticks.map(Math.abs));
  let exponent = 0;
  if (largest > 0 && (largest < 1e-4 || largest >= 1e6)) exponent = Math.floor(Math.log10(largest));
  const scaled = ticks.map((t) => t / 10 ** exponent);
  const step = scaled.length > 1 ? Math.abs(scaled[1] - scaled[0]) : Math.abs(scaled[0]) || 1;
  const decimals = decimalsOf(step);
  const labels = scaled.map((v) => {
    const text = v.toFixed(decimals);
    // "−0" is noise; matplotlib draws a true minus sign for negatives.
    return (Number(text) === 0 ? (0).toFixed(decimals) : text).replace('-', '\u2212');
  });
  return { labels, exponent };
}

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
