/**
 * Values → [0, 1] for the colormap, as matplotlib's norms do it.
 *
 * linear (`Normalize`): t = (v − vmin)/(vmax − vmin), in float32 when the data
 * are float32 (matplotlib keeps the array's dtype; the rounding decides which
 * of two colour entries a value near a boundary gets).
 * log (`LogNorm`): t = (log10 v − log10 vmin)/(log10 vmax − log10 vmin).
 * symlog (`SymLogNorm`, base 10, linscale 1): linear within ±linthresh,
 * logarithmic outside, continuous at ±linthresh.
 * Values outside [vmin, vmax] give t outside [0, 1], which the colormap clips
 * to its ends (matplotlib's under and over colours); NaN gives NaN ('bad').
 *
 * A range that is empty or upside down (a constant matrix, or one given end
 * beyond the data: `--vmin 20` on data up to 11) is widened the way
 * matplotlib's colorbar leaves the norm (`transforms.nonsingular` with
 * expander 0.1, measured on matplotlib 3.6): equal ends v become
 * v ∓ 0.1·|v| (±0.1 at 0); reversed ends are put in order and the lower one
 * moves down by 0.1·|lower| (to −0.1 at 0). `--vmin 20` on 0…11 thus draws
 * 9.9…20, with every cell near the bottom colour and a full colorbar.
 */
import { finiteRange } from '../math/scan';
import { nonsingular } from './plot/locators';

export const NORMS = ['linear', 'log', 'symlog'] as const;
export type NormKind = (typeof NORMS)[number];

export interface NormSpec {
  kind: NormKind;
  vmin: number;
  vmax: number;
  /** symlog only: half-width of the linear region around 0. */
  linthresh: number;
}

export class NormError extends Error {}

export interface NormRequest {
  kind?: NormKind;
  vmin?: number;
  vmax?: number;
  linthresh?: number;
}

/** Fill in vmin, vmax and linthresh from the data, and refuse what a norm cannot show. */
export function resolveNorm(values: ArrayLike<number>, request: NormRequest): NormSpec {
  return resolveNormForRange(finiteRange(values), request);
}

/** resolveNorm for data known only by its finite range (null: no finite value). */
export function resolveNormForRange(dataRange: [number, number] | null, request: NormRequest): NormSpec {
  const kind = request.kind ?? 'linear';
  const range = dataRange ?? [0, 0];
  let vmin = request.vmin ?? range[0];
  let vmax = request.vmax ?? range[1];
  if (kind === 'log') {
    if (request.vmin === undefined && !(range[0] > 0)) {
      throw new NormError(`--norm log: the matrix has values ≤ 0 (min ${range[0]}); give --vmin > 0 to clip them`);
    }
    if (!(vmin > 0)) throw new NormError(`--norm log: --vmin must be above 0 (got ${vmin})`);
    if (!(vmax > 0)) throw new NormError(`--norm log: the largest value ${vmax} is not above 0`);
  }
  [vmin, vmax] = widenLikeMatplotlib(vmin, vmax);
  // A range too small for doubles to span (below about 1e-287) is widened around 0: no longer a log scale.
  if (kind === 'log' && !(vmin > 0)) throw new NormError(`--norm log: the range [${request.vmin ?? range[0]}, ${request.vmax ?? range[1]}] is too narrow to draw on a log scale`);
  const largest = Math.max(Math.abs(vmin), Math.abs(vmax));
  const linthresh = request.linthresh ?? (largest > 0 ? largest * 1e-3 : 1);
  return { kind, vmin, vmax, linthresh };
}

function widenLikeMatplotlib(vmin: number, vmax: number): [number, number] {
  const lowered = (v: number) => (v === 0 ? -0.1 : v - 0.1 * Math.abs(v));
  if (vmin > vmax) return [lowered(vmax), vmin];
  // The colorbar's nonsingular(…, expander=0.1): a range within 1e-15 of its values' size (equal ends
  // included) is widened by 10% of each end, so a near-constant matrix is drawn in the middle colour.
  return nonsingular(vmin, vmax, 0.1);
}

const f32 = Math.fround;

/** matplotlib's SymmetricalLogTransform (base 10, linscale 1). */
export function symlogTransform(linthresh: number): (v: number) => number {
  // matplotlib SymmetricalLogTransform with base 10, linscale 1: linscale_adj = linscale / (1 − 1/base).
  const linscaleAdj = 1 / (1 - 1 / 10);
  return (v) => {
    const a = Math.abs(v);
    if (a <= linthresh) return v * linscaleAdj;
    return Math.sign(v) * linthresh * (linscaleAdj + Math.log10(a / linthresh));
  };
}

/** t(v) for the spec; `float32` mirrors matplotlib's arithmetic on float32 arrays for the linear norm. */
export function normaliser(spec: NormSpec, float32 = false): (v: number) => number {
  const { vmin, vmax } = spec;
  if (spec.kind === 'linear') {
    if (!(vmax > vmin)) return (v) => (Number.isNaN(v) ? NaN : 0);
    if (float32) {
      // matplotlib's Normalize on a float32 array: resdat −= vmin in float32; resdat /= (vmax − vmin), the
      // span a double that NumPy's value-based casting divides by in float32 when it fits float32, in
      // double when it does not (a span past 3.4e38).
      const lo = f32(vmin);
      const span = vmax - vmin;
      const divisor = Number.isFinite(f32(span)) ? f32(span) : span;
      return (v) => f32(f32(v - lo) / divisor);
    }
    // A span past the largest double (values near ±1.8e308) is taken in halves, exactly.
    if (!Number.isFinite(vmax - vmin)) return (v) => (v / 2 - vmin / 2) / (vmax / 2 - vmin / 2);
    return (v) => (v - vmin) / (vmax - vmin);
  }
  // log: a value ≤ 0 goes below the range (the bottom colour); NaN stays NaN (magenta).
  const transform = spec.kind === 'log' ? (v: number) => (v > 0 ? Math.log10(v) : Number.isNaN(v) ? NaN : -Infinity) : symlogTransform(spec.linthresh);
  const lo = transform(vmin);
  const hi = transform(vmax);
  if (!(hi > lo)) return (v) => (Number.isNaN(v) ? NaN : 0);
  return (v) => (transform(v) - lo) / (hi - lo);
}
