/**
 * Where the ticks of a chart's axis go, as matplotlib 3.6 places them:
 * `AutoLocator` (MaxNLocator with steps 1, 2, 2.5, 5, 10 and nbins 'auto')
 * on linear axes, `LogLocator` (major: powers of ten, every `stride`-th
 * decade; minor: 2…9 times them) on log axes. The arithmetic follows
 * matplotlib's ticker.py step for step (Python's float floor division
 * included), so the positions are the same numbers.
 */

/** Python's divmod(x, y) for floats (floor division with a remainder of y's sign). */
export function pyDivmod(x: number, y: number): [number, number] {
  let mod = x % y;
  let div = (x - mod) / y;
  if (mod) {
    if (y < 0 !== mod < 0) {
      mod += y;
      div -= 1;
    }
  } else mod = y < 0 ? -0 : 0;
  let floorDiv: number;
  if (div) {
    floorDiv = Math.floor(div);
    if (div - floorDiv > 0.5) floorDiv += 1;
  } else floorDiv = x / y < 0 ? -0 : 0;
  return [floorDiv, mod];
}

/** 10^k for a whole k, correctly rounded (as Python's 10 ** k through the C library's pow). */
export function powerOfTen(k: number): number {
  return Number(`1e${k}`);
}

/** log(x)/log(10), as matplotlib's log locator and formatter compute it (it can differ from log10 in the last bit). */
export function logBase10(x: number): number {
  return Math.log(x) / Math.LN10;
}

/** matplotlib.transforms.nonsingular: widen an empty or degenerate interval. */
export function nonsingular(vmin: number, vmax: number, expander: number, tiny = 1e-15): [number, number] {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax)) return [-expander, expander];
  let swapped = false;
  if (vmax < vmin) {
    [vmin, vmax] = [vmax, vmin];
    swapped = true;
  }
  const largest = Math.max(Math.abs(vmin), Math.abs(vmax));
  if (largest < (1e6 / tiny) * 2.2250738585072014e-308) {
    vmin = -expander;
    vmax = expander;
  } else if (vmax - vmin <= largest * tiny) {
    if (vmax === 0 && vmin === 0) {
      vmin = -expander;
      vmax = expander;
    } else {
      vmin -= expander * Math.abs(vmin);
      vmax += expander * Math.abs(vmax);
    }
  }
  return swapped ? [vmax, vmin] : [vmin, vmax];
}

/** ticker.scale_range: the power of ten of a bin, and an offset when the values sit far from 0. */
function scaleRange(vmin: number, vmax: number, n: number): { scale: number; offset: number } {
  const dv = Math.abs(vmax - vmin);
  const meanv = (vmax + vmin) / 2;
  const offset = Math.abs(meanv) / dv < 100 ? 0 : Math.sign(meanv) * powerOfTen(pyDivmod(Math.log10(Math.abs(meanv)), 1)[0]);
  return { scale: powerOfTen(pyDivmod(Math.log10(dv / n), 1)[0]), offset };
}

/** ticker._Edge_integer: floor and ceiling of x/step that forgive rounding near a whole number. */
function edgeInteger(step: number, offset: number) {
  const closeTo = (ms: number, edge: number) => {
    let tolerance = 1e-10;
    if (offset > 0) tolerance = Math.min(0.4999, Math.max(1e-10, 10 ** (Math.log10(offset / step) - 12)));
    return Math.abs(ms - edge) < tolerance;
  };
  return {
    le: (x: number) => {
      const [d, m] = pyDivmod(x, step);
      return closeTo(m / step, 1) ? d + 1 : d;
    },
    ge: (x: number) => {
      const [d, m] = pyDivmod(x, step);
      return closeTo(m / step, 0) ? d : d + 1;
    },
  };
}

/** MaxNLocator's steps [1, 2, 2.5, 5, 10], extended a decade down and one step up (`_staircase`). */
const EXTENDED_STEPS = [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20];

/**
 * AutoLocator's ticks for the view [vmin, vmax] with at most `nbins` bins
 * (matplotlib's nbins 'auto' is Axis.get_tick_space clipped to 1 … 9). Like
 * matplotlib, the list may reach one step beyond the view on each side.
 */
export function autoTicks(vmin: number, vmax: number, nbins: number): number[] {
  [vmin, vmax] = nonsingular(vmin, vmax, 1e-13, 1e-14);
  const { scale, offset } = scaleRange(vmin, vmax, nbins);
  const lo = vmin - offset;
  const hi = vmax - offset;
  const steps = EXTENDED_STEPS.map((s) => s * scale);
  const rawStep = (hi - lo) / nbins;
  const first = steps.findIndex((s) => s >= rawStep);
  let ticks: number[] = [];
  for (let i = first; i >= 0; i--) {
    const step = steps[i];
    const bestVmin = pyDivmod(lo, step)[0] * step;
    const edge = edgeInteger(step, offset);
    const low = edge.le(lo - bestVmin);
    const high = edge.ge(hi - bestVmin);
    ticks = [];
    for (let k = low; k <= high; k++) ticks.push(k * step + bestVmin);
    if (ticks.filter((t) => t <= hi && t >= lo).length >= 2) break;
  }
  return ticks.map((t) => t + offset);
}

/**
 * LogLocator's ticks (base 10). `minor`: subs 2…9 ('auto'), else the decades
 * themselves (subs 1). `numticks` is get_tick_space clipped to 2 … 9.
 */
export function logTicks(vmin: number, vmax: number, numticks: number, minor: boolean): number[] {
  if (vmax < vmin) [vmin, vmax] = [vmax, vmin];
  const logMin = logBase10(vmin);
  const logMax = logBase10(vmax);
  const numdec = Math.floor(logMax) - Math.ceil(logMin);
  let subs = [1];
  if (minor) {
    if (numdec > 10) return [];
    subs = [2, 3, 4, 5, 6, 7, 8, 9];
  }
  let stride = Math.floor((numdec + 1) / numticks) + 1;
  if (stride >= numdec) stride = Math.max(1, numdec - 1);
  const decades: number[] = [];
  for (let e = Math.floor(logMin) - stride; e < Math.ceil(logMax) + 2 * stride; e += stride) decades.push(e);
  let ticks: number[];
  if (minor) ticks = stride === 1 ? decades.flatMap((e) => subs.map((s) => s * powerOfTen(e))) : [];
  else ticks = decades.map(powerOfTen);
  if (minor && stride === 1 && ticks.filter((t) => vmin <= t && t <= vmax).length <= 1) {
    // Fewer than two minor ticks in a short view: matplotlib falls back to AutoLocator (at most 9 bins).
    return autoTicks(vmin, vmax, 9);
  }
  return ticks;
}

/**
 * Ticks of a symmetric-log axis (SymmetricalLogLocator.tick_values, base 10, numticks 15): 0 and
 * ±powers of ten beyond the linear threshold, thinned to a stride where there are many; a range
 * inside ±linthresh is ticked at its two ends. The axis draws those in view (ticksInView).
 */
export function symlogTicks(lo: number, hi: number, linthresh: number): number[] {
  if (-linthresh < lo && lo < hi && hi < linthresh) return [lo, hi];
  const hasA = lo < -linthresh;
  const hasC = hi > linthresh;
  const hasB = (hasA && hi > -linthresh) || (hasC && lo < linthresh);
  const logRange = (a: number, b: number): [number, number] => [Math.floor(logBase10(a)), Math.ceil(logBase10(b))];
  const [aLo, aHi] = hasA ? logRange(Math.abs(Math.min(-linthresh, hi)), Math.abs(lo) + 1) : [0, 0];
  const [cLo, cHi] = hasC ? logRange(Math.max(linthresh, lo), hi + 1) : [0, 0];
  const total = aHi - aLo + (cHi - cLo) + (hasB ? 1 : 0);
  const stride = Math.max(Math.floor(total / 14), 1);
  const ticks: number[] = [];
  if (hasA) for (let e = aLo; e < aHi; e += stride) ticks.unshift(-powerOfTen(e));
  if (hasB) ticks.push(0);
  if (hasC) for (let e = cLo; e < cHi; e += stride) ticks.push(powerOfTen(e));
  return ticks;
}

/** matplotlib's `_interval_contains_close` on the scale's transform: the ticks an axis draws. */
export function ticksInView(ticks: number[], view: [number, number], transform: (v: number) => number): number[] {
  const [a, b] = [transform(view[0]), transform(view[1])].sort((x, y) => x - y);
  const tolerance = (b - a) * 1e-10;
  return ticks.filter((t) => {
    const v = transform(t);
    return a - tolerance <= v && v <= b + tolerance;
  });
}

/** Minor ticks that coincide with a major one are not drawn (Axis.remove_overlapping_locs). */
export function withoutMajors(minor: number[], major: number[], view: [number, number], transform: (v: number) => number): number[] {
  const [lo, hi] = [transform(view[0]), transform(view[1])].sort((x, y) => x - y);
  const tolerance = (hi - lo) * 1e-5;
  const majors = major.map(transform);
  return minor.filter((t) => !majors.some((m) => Math.abs(transform(t) - m) <= tolerance));
}
