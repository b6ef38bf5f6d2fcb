/**
 * Special functions the activations need in double precision (JavaScript has
 * no Math.erf): erf by its Maclaurin series for |x| ≤ 2 and by the continued
 * fraction of erfc beyond (Abramowitz & Stegun 7.1.5 and 7.1.14), both
 * accurate to a few units in the last place of a double.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf x = 2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n!·(2n + 1)), for |x| ≤ 2 (terms fall below 1e-17 by n ≈ 30). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x; // (−1)ⁿ x²ⁿ⁺¹ / n!
  let sum = x;
  for (let n = 1; n < 60; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/**
 * erfc x for x > 2 by the continued fraction
 * erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))),
 * evaluated with the modified Lentz method.
 */
function erfcFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax <= 2) return erfSeries(x);
  if (ax >= 6) return Math.sign(x); // erfc 6 ≈ 2e-17
  const value = 1 - erfcFraction(ax);
  return x < 0 ? -value : value;
}

/** The standard normal density φ(x) = e^(−x²/2)/√(2π). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** The standard normal distribution function Φ(x) = (1 + erf(x/√2))/2. */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x * Math.SQRT1_2));
}
