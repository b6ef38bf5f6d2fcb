/**
 * float32 arithmetic that matches what PyTorch's AVX2 kernels compute.
 *
 * PyTorch's `normal_fill_AVX2` (aten/src/ATen/native/cpu/DistributionKernels.cpp)
 * takes its log and sin/cos from `avx_mathfun.h`: the Cephes single-precision
 * polynomials (S. Moshier's Cephes `logf`, `sinf`/`cosf`), evaluated 8 lanes at
 * a time. Built with -mfma, GCC fuses each multiply that feeds an add into one
 * fused multiply-add, so the polynomial steps below are `fmaf`s. The
 * constants are Cephes'; `fmaf` is exact fused multiply-add in float32.
 */

const f32 = Math.fround;
// One float32 seen as its bits (typed-array views, faster than a DataView in the hot loops of randn).
const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);

function bitsOf(x: number): number {
  floatView[0] = x;
  return bitsView[0];
}

function fromBits(bits: number): number {
  bitsView[0] = bits >>> 0;
  return floatView[0];
}

/**
 * Correctly rounded float32 a·b + c for float32 a, b, c. The product is exact
 * in a double (24 + 24 bits); the sum's double rounding error is recovered with
 * TwoSum (Knuth) and breaks the tie when the double sum lands on a float32 midpoint.
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f32(s);
  if (r === s || !Number.isFinite(s)) return r;
  const bv = s - p;
  const err = p - (s - bv) + (c - bv);
  if (err === 0) return r;
  const mirror = s + (s - r);
  if (f32(mirror) !== mirror) return r; // s is not a midpoint: rounding s is rounding the exact sum
  return err > 0 ? Math.max(r, mirror) : Math.min(r, mirror);
}

const SQRTHF = f32(0.707106781186547524);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f32);
const LOG_Q1 = f32(-2.1219444e-4);
const LOG_Q2 = f32(0.693359375);

/** Cephes logf as in avx_mathfun's log256_ps, for x > 0. */
export function cephesLogf(input: number): number {
  if (!(input > 0)) return NaN;
  const clamped = Math.max(input, fromBits(0x00800000)); // no denormals
  const bits = bitsOf(clamped);
  let e = f32((bits >>> 23) - 127 + 1);
  let x = fromBits((bits & ~0x7f800000) | bitsOf(0.5)); // mantissa in [0.5, 1)
  const below = x < SQRTHF;
  const tmp = below ? x : 0;
  x = f32(x - 1);
  if (below) e = f32(e - 1);
  x = f32(x + tmp);
  const z = f32(x * x);
  let y = LOG_P[0];
  for (let i = 1; i < LOG_P.length; i++) y = fmaf(y, x, LOG_P[i]);
  y = f32(y * x);
  y = fmaf(y, z, f32(e * LOG_Q1));
  y = f32(y - z * 0.5); // z·0.5 is exact, so fused or not gives the same
  x = f32(x + y);
  return fmaf(e, LOG_Q2, x);
}

const FOPI = f32(1.27323954473516); // 4/π
const DP1 = f32(-0.78515625);
const DP2 = f32(-2.4187564849853515625e-4);
const DP3 = f32(-3.77489497744594108e-8);
const SINCOF = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f32);
const COSCOF = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f32);

/** Cephes sinf and cosf together, as avx_mathfun's sincos256_ps. Returns [sin, cos]. */
export function cephesSincosf(input: number): [number, number] {
  const out = new Float64Array(2);
  cephesSincosfInto(input, out);
  return [out[0], out[1]];
}

/** cephesSincosf without allocating: out[0] = sin, out[1] = cos. */
export function cephesSincosfInto(input: number, out: Float64Array): void {
  const sinSign = input < 0 || Object.is(input, -0) ? -1 : 1;
  let x = Math.abs(input);
  const y0 = f32(x * FOPI);
  let j = Math.trunc(y0);
  j = (j + 1) & ~1; // map zeros to origin (Cephes)
  const y = f32(j);
  const swapSin = (j & 4) !== 0;
  const useCosPoly = (j & 2) === 0; // polynomial selection: cos-like for octants 0 and 3 of the sine
  const cosSignFlip = ((~(j - 2)) & 4) !== 0;
  // Extended precision modular arithmetic: x − y·π/4 in three pieces.
  x = fmaf(y, DP1, x);
  x = fmaf(y, DP2, x);
  x = fmaf(y, DP3, x);
  const z = f32(x * x);
  let c = COSCOF[0];
  c = fmaf(c, z, COSCOF[1]);
  c = fmaf(c, z, COSCOF[2]);
  c = f32(c * z);
  c = fmaf(c, z, -z * 0.5);
  c = f32(c + 1);
  let s = SINCOF[0];
  s = fmaf(s, z, SINCOF[1]);
  s = fmaf(s, z, SINCOF[2]);
  s = f32(s * z);
  s = fmaf(s, x, x);
  let sin = useCosPoly ? s : c;
  let cos = useCosPoly ? c : s;
  if ((sinSign < 0) !== swapSin) sin = -sin;
  if (cosSignFlip) cos = -cos;
  out[0] = sin;
  out[1] = cos;
}
