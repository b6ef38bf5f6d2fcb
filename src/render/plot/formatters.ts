/**
 * Tick labels as matplotlib 3.6 writes them. Linear axes: ScalarFormatter
 * (one number of decimals for the whole axis, the fewest that tell the ticks
 * apart; a ×10^k factor or an offset shown once at the axis end when the
 * values need it, `axes.formatter.limits` −5 and 6, offset threshold 4).
 * Log axes: LogFormatterSciNotation (decades as 10^k; between them 2×10^k,
 * 3×10^k, … only when the view spans at most one decade, all of them within
 * 0.4 of a decade, as `minor_thresholds` (1, 0.4) says). The minus sign is
 * U+2212, as `axes.unicode_minus` draws it.
 */
import { logBase10, powerOfTen, pyDivmod } from './locators';

/** A label: text, and an exponent drawn as a superscript after it (mathtext's 10^{k}). */
export interface Label {
  text: string;
  superscript?: string;
}

const minus = (s: string) => s.replace(/-/g, '\u2212');

/** Python's '%1.Nf' (round half to even where the binary value is an exact tie, as C's printf). */
function fixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  // toFixed rounds exact ties up; printf rounds them to even. Ties are exact only when value·10^N has a half.
  const scaled = Math.abs(value) * 10 ** decimals;
  if (decimals <= 15 && scaled - Math.floor(scaled) === 0.5 && Math.floor(scaled) % 2 === 0) {
    return (Math.sign(value) * (Math.floor(scaled) / 10 ** decimals)).toFixed(decimals);
  }
  return text;
}

/** Python's '%g'. */
function general(value: number): string {
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, power] = value.toExponential(5).split('e');
    const trimmed = mantissa.replace(/\.?0+$/, '');
    const e = Number(power);
    return `${trimmed}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(Number(value.toPrecision(6)));
}

export interface ScalarLabels {
  labels: Label[];
  /** The text at the axis end ("1e−5", "+1e4"), or ''. */
  offsetText: string;
}

/**
 * ScalarFormatter for the ticks `locs` (all the locator gave, as matplotlib
 * passes them) of an axis whose view is `view`. Returns one label per tick.
 */
export function scalarLabels(locs: number[], view: [number, number]): ScalarLabels {
  if (locs.length === 0) return { labels: [], offsetText: '' };
  const [vmin, vmax] = [...view].sort((a, b) => a - b);
  const visible = locs.filter((l) => vmin <= l && l <= vmax);
  const offset = computeOffset(visible);
  let order = 0;
  const magnitudes = visible.map(Math.abs);
  if (magnitudes.length) {
    const val = Math.max(...magnitudes);
    const oom = offset ? Math.floor(Math.log10(vmax - vmin)) : val === 0 ? 0 : Math.floor(Math.log10(val));
    if (oom <= -5 || oom >= 6) order = oom;
  }
  // _set_format: the fewest decimals that keep every (scaled) tick within 1e-3 of its range's magnitude.
  const source = locs.length < 2 ? [...locs, vmin, vmax] : locs;
  const scaled = source.map((l) => (l - offset) / powerOfTen(order));
  let range = Math.max(...scaled) - Math.min(...scaled);
  if (range === 0) range = Math.max(...scaled.map(Math.abs));
  if (range === 0) range = 1;
  const shown = locs.length < 2 ? scaled.slice(0, -2) : scaled;
  const rangeOom = Math.floor(Math.log10(range));
  let sigfigs = Math.max(0, 3 - rangeOom);
  const threshold = 1e-3 * 10 ** rangeOom;
  while (sigfigs >= 0) {
    const worst = Math.max(0, ...shown.map((v) => Math.abs(v - roundTo(v, sigfigs))));
    if (worst < threshold) sigfigs--;
    else break;
  }
  sigfigs++;
  const labels = locs.map((l) => {
    let v = (l - offset) / powerOfTen(order);
    if (Math.abs(v) < 1e-8) v = 0;
    return { text: minus(fixed(v, sigfigs)) };
  });
  let offsetText = '';
  if (order || offset) {
    const sci = order ? `1e${order}` : '';
    const off = offset ? `${offset > 0 ? '+' : ''}${formatData(offset)}` : '';
    offsetText = minus(sci + off);
  }
  return { labels, offsetText };
}

/** numpy.round(v, decimals): round half to even on v·10^decimals. */
function roundTo(v: number, decimals: number): number {
  const scale = 10 ** decimals;
  const y = v * scale;
  let r = Math.round(y);
  if (Math.abs(y % 1) === 0.5) r = 2 * Math.round(y / 2);
  return r / scale;
}

/** ScalarFormatter.format_data (non-mathtext): "1e4", "1.5e-3". */
function formatData(value: number): string {
  const e = Math.floor(Math.log10(Math.abs(value)));
  const s = Math.round((value / powerOfTen(e)) * 1e10) / 1e10;
  const significand = s % 1 === 0 ? String(s) : String(Number(s.toPrecision(10)));
  return e === 0 ? significand : `${significand}e${e}`;
}

/** ScalarFormatter._compute_offset (offset threshold 4). */
function computeOffset(locs: number[]): number {
  if (!locs.length) return 0;
  const lmin = Math.min(...locs);
  const lmax = Math.max(...locs);
  if (lmin === lmax || (lmin <= 0 && lmax >= 0)) return 0;
  const [absMin, absMax] = [Math.abs(lmin), Math.abs(lmax)].sort((a, b) => a - b);
  const sign = lmin < 0 ? -1 : 1;
  const oomMax = Math.ceil(Math.log10(absMax));
  // Python's float a // 10**k, which is not floor(a / 10**k) at ties (0.999 // 0.001 is 998).
  const floorDiv = (a: number, k: number) => pyDivmod(a, powerOfTen(k))[0];
  let oom = oomMax;
  while (floorDiv(absMin, oom) === floorDiv(absMax, oom)) oom--;
  oom += 1;
  if ((absMax - absMin) / powerOfTen(oom) <= 1e-2) {
    oom = oomMax;
    while (!(floorDiv(absMax, oom) - floorDiv(absMin, oom) > 1)) oom--;
    oom += 1;
  }
  return floorDiv(absMax, oom) >= 1000 ? sign * floorDiv(absMax, oom) * powerOfTen(oom) : 0;
}

/**
 * Which multiples of a decade a log axis labels, from the decades its view spans (LogFormatter.set_locs);
 * on a symlog axis only the decades outside ±linthresh count.
 */
function sublabels(view: [number, number], linthresh?: number): Set<number> {
  const [lo, hi] = [...view].sort((a, b) => a - b);
  let numdec: number;
  if (linthresh !== undefined) {
    numdec = 0;
    if (lo < -linthresh) numdec += logBase10(lo / Math.min(hi, -linthresh));
    if (hi > linthresh) numdec += logBase10(hi / Math.max(lo, linthresh));
  } else {
    if (lo <= 0) return new Set([1]);
    numdec = Math.abs(logBase10(hi) - logBase10(lo));
  }
  if (numdec > 1) return new Set([1]);
  if (numdec > 0.4) return new Set([1, 2, 3, 4, 6, 10]); // np.round(np.geomspace(1, 10, 6))
  return new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
}

function isCloseToInt(x: number): boolean {
  return Math.abs(x - Math.round(x)) < 1e-10;
}

/** LogFormatterSciNotation for one tick of a log axis (a symlog one with `linthresh`) with view `view`: '' where matplotlib leaves it unlabelled. */
export function logLabel(x: number, view: [number, number], linthresh?: number): Label {
  if (x === 0) return { text: '0' };
  const sign = x < 0 ? '\u2212' : '';
  const fx = logBase10(Math.abs(x));
  const isDecade = isCloseToInt(fx);
  const exponent = isDecade ? Math.round(fx) : Math.floor(fx);
  const coefficient = Math.round(10 ** (fx - exponent));
  if (!sublabels(view, linthresh).has(coefficient)) return { text: '' };
  if (isDecade) return { text: `${sign}10`, superscript: minus(String(exponent)) };
  let exact = 10 ** (fx - exponent);
  if (isCloseToInt(exact)) exact = Math.round(exact);
  return { text: `${sign}${general(exact)}\u00d710`, superscript: minus(String(exponent)) };
}
