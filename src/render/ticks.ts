/**
 * "Nice" tick positions and labels, after matplotlib's MaxNLocator (steps 1,
 * 2, 2.5, 5, 10 times a power of ten) and ScalarFormatter (a shared number of
 * decimals; a ×10^k factor shown once when the values are below 1e-4 or at
 * least 1e5 in magnitude, matplotlib's `axes.formatter.limits` of −5 and 6).
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
  if (largest > 0 && (largest < 1e-4 || largest >= 1e5)) exponent = Math.floor(Math.log10(largest));
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
