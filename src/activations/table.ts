/**
 * Smooth functions sampled once on a fine grid and read back by cubic
 * (four-point Lagrange) interpolation: a few multiply-adds instead of a
 * transcendental call, for the millions of evaluations a quadrature makes.
 * With step δ = 1/512 the interpolation error is below δ⁴·max|f⁗|/24 ≈ 3e-12
 * for tanh; outside [−R, R] the functions themselves are called.
 */
const STEP = 1 / 512;
const RANGE = 40;
const COUNT = Math.round((2 * RANGE) / STEP) + 1;

/** φ and φ′ on one grid, so one lookup serves both. */
export class PairTable {
  private readonly phi: Float64Array;
  private readonly dphi: Float64Array;

  constructor(private readonly f: (z: number) => number, private readonly df: (z: number) => number) {
    this.phi = new Float64Array(COUNT);
    this.dphi = new Float64Array(COUNT);
    for (let k = 0; k < COUNT; k++) {
      this.phi[k] = f(-RANGE + k * STEP);
      this.dphi[k] = df(-RANGE + k * STEP);
    }
  }

  /** out[0] = φ(z), out[1] = φ′(z). */
  both(z: number, out: Float64Array): void {
    const position = (z + RANGE) / STEP;
    const k = Math.floor(position);
    if (!(k >= 1 && k < COUNT - 2)) {
      out[0] = this.f(z);
      out[1] = this.df(z);
      return;
    }
    const t = position - k;
    // Lagrange basis on the nodes k − 1, k, k + 1, k + 2 at offset t from node k.
    const tm1 = t - 1;
    const tm2 = t - 2;
    const tp1 = t + 1;
    const w0 = (-t * tm1 * tm2) / 6;
    const w1 = (tp1 * tm1 * tm2) / 2;
    const w2 = (-tp1 * t * tm2) / 2;
    const w3 = (tp1 * t * tm1) / 6;
    const p = this.phi;
    const d = this.dphi;
    out[0] = w0 * p[k - 1] + w1 * p[k] + w2 * p[k + 1] + w3 * p[k + 2];
    out[1] = w0 * d[k - 1] + w1 * d[k] + w2 * d[k + 1] + w3 * d[k + 2];
  }
}

/** Evaluates φ and φ′ directly (for activations with kinks, which a cubic through the kink would smear). */
export class DirectPair {
  constructor(private readonly f: (z: number) => number, private readonly df: (z: number) => number) {}

  both(z: number, out: Float64Array): void {
    out[0] = this.f(z);
    out[1] = this.df(z);
  }
}

export type Pair = PairTable | DirectPair;
