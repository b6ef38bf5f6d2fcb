/**
 * Infinite-width maps of any activation by quadrature (neural-tangents'
 * `ElementwiseNumerical`, Han et al. 2022): for (u, v) ~ N(0, Σ), with
 * u = a·x, v = b·x + c·y, x and y independent standard normals
 * (a = √s11, b = s12/a, c = √(s22 − b²), the Cholesky factor of Σ),
 *   E[φ(u)φ(v)] = ∫ φ(a x) (∫ φ(b x + c y) N(y) dy) N(x) dx,
 * and the same for φ′. Cost O(q_x·q_y) per pair, q the nodes of each axis.
 *
 * The rule, chosen by measurement (test/activations.test.ts): the trapezoid
 * rule on [−L, L], L = 7, which for an integrand analytic in a strip of
 * half-width d around the real axis errs by about exp(−2πd/h) (Trefethen &
 * Weideman 2014) — geometric convergence, where Gauss–Hermite spreads its
 * nodes thinly near 0 and needs hundreds of them for steep integrands such as
 * tanh′(a·x) = sech²(a·x) at large a. tanh's poles lie at iπ/2, so φ(a·x) has
 * d = π/(2a), and a step h = θ/a with θ = 0.45 gives about exp(−π²/0.45) ≈ 3e-10.
 * Where φ has kinks (relu), each axis is split at them and each smooth piece
 * integrated by Gauss–Legendre panels instead, which converge geometrically
 * on it. The truncation at ±7 drops a Gaussian mass of 2.6e-12.
 */
import type { Pair } from './table';
import type { DualMap } from './types';

export interface QuadratureOptions {
  /** Nodes per axis of a fixed trapezoid rule on [−L, L] instead of the adaptive one (--quadrature). */
  nodes?: number;
  /** Use quadrature even where a closed form exists (tests compare the two). */
  force?: boolean;
}

interface ScalarFunctions {
  /** φ and φ′ at one point. */
  pair: Pair;
  /** Where φ or φ′ is not smooth. */
  kinks?: readonly number[];
}

const L = 7;
const THETA = 0.45;
const MAX_STEP = 0.5;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Gauss–Legendre nodes and weights on [−1, 1], by Newton's method on the three-term recurrence. */
function gaussLegendre(m: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(m);
  const w = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= m; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      derivative = (m * (z * p1 - p0)) / (z * z - 1);
      const step = p1 / derivative;
      z -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * derivative * derivative);
  }
  return { x, w };
}

/** The 10-node rule each panel uses, made on first use: most runs never integrate. */
let panel: { x: Float64Array; w: Float64Array } | undefined;
const panelRule = () => (panel ??= gaussLegendre(10));

/** A 1-D rule for ∫ h(t)·N(t) dt: nodes and weights (the density folded in) written into `out`; returns the count. */
class Rule {
  readonly x: Float64Array;
  readonly w: Float64Array;
  count = 0;

  constructor(capacity: number) {
    this.x = new Float64Array(capacity);
    this.w = new Float64Array(capacity);
  }

  private grow(extra: number): void {
    if (this.count + extra > this.x.length) {
      // The adaptive step shrinks as 1/√Σ: only variances far beyond a network's usual scale get here.
      throw new RangeError(`the adaptive quadrature would need more than ${this.x.length} nodes for a variance this large (above about 10⁶); scale the inputs down, or fix the rule with --quadrature N`);
    }
  }

  private add(t: number, weight: number): void {
    this.x[this.count] = t;
    this.w[this.count] = weight * INV_SQRT_2PI * Math.exp(-0.5 * t * t);
    this.count++;
  }

  /** The trapezoid rule with `nodes` nodes, or a step of θ/scale, on [−L, L]. */
  trapezoid(scale: number, nodes?: number): void {
    const h = nodes ? (2 * L) / (nodes - 1) : Math.min(MAX_STEP, THETA / scale);
    const half = nodes ? (nodes - 1) / 2 : Math.ceil(L / h);
    this.count = 0;
    this.grow(2 * half + 1);
    for (let k = -half; k <= half; k++) this.add(k * h, h);
  }

  /** Gauss–Legendre panels on each smooth piece of [−L, L] between `breaks`. */
  pieces(scale: number, breaks: number[]): void {
    const edges = [-L, ...breaks.filter((b) => b > -L && b < L).sort((p, q) => p - q), L];
    const width = Math.min(1, (2 * THETA) / scale);
    this.count = 0;
    const PANEL = panelRule();
    for (let e = 0; e + 1 < edges.length; e++) {
      const [lo, hi] = [edges[e], edges[e + 1]];
      const panels = Math.max(1, Math.ceil((hi - lo) / width));
      const step = (hi - lo) / panels;
      this.grow(panels * PANEL.x.length);
      for (let p = 0; p < panels; p++) {
        const mid = lo + (p + 0.5) * step;
        for (let i = 0; i < PANEL.x.length; i++) this.add(mid + (PANEL.x[i] * step) / 2, (PANEL.w[i] * step) / 2);
      }
    }
  }
}

/** The dual map of `act` by quadrature. */
export function quadratureDual(act: ScalarFunctions, options: QuadratureOptions = {}): DualMap {
  const kinks = act.kinks ?? [];
  const capacity = 200000;
  const outer = new Rule(capacity);
  const inner = new Rule(capacity);
  const build = (rule: Rule, scale: number, breaks: number[]) => {
    if (options.nodes) rule.trapezoid(scale, options.nodes);
    else if (breaks.length > 0) rule.pieces(scale, breaks);
    else rule.trapezoid(scale);
  };
  const { pair } = act;
  const at = new Float64Array(2);
  return (s11, s22, s12, out) => {
    const a = Math.sqrt(Math.max(0, s11));
    const b = a > 0 ? s12 / a : 0;
    const c = Math.sqrt(Math.max(0, s22 - b * b));
    // Below this c the inner integral is φ(b·x) to O(c²) (the smoothing is symmetric): a 1-D integral.
    const degenerate = c <= 1e-6 * Math.max(1, Math.sqrt(Math.max(0, s22)));
    if (a === 0) {
      // u ≡ 0: E[φ(0)φ(v)] = φ(0)·E[φ(c·y)].
      build(inner, Math.max(c, 1e-300), c > 0 ? kinks.map((k) => k / c) : []);
      let g = 0;
      let gp = 0;
      for (let j = 0; j < inner.count; j++) {
        pair.both(c * inner.x[j], at);
        g += inner.w[j] * at[0];
        gp += inner.w[j] * at[1];
      }
      pair.both(0, at);
      out[0] = at[0] * g;
      out[1] = at[1] * gp;
      return;
    }
    const outerBreaks = kinks.map((k) => k / a);
    if (degenerate && b !== 0) for (const k of kinks) outerBreaks.push(k / b);
    // A degenerate pair (the diagonal) is a 1-D integral of φ(a·x)² or φ′(a·x)², whose poles are of twice
    // the order: a step four times finer costs little there. A nearly degenerate pair (c ≪ a, as deep
    // networks make most pairs) is almost that product, so its step is refined as c/a falls, up to the
    // same factor: at depth 4, tanh's kernel went from 1.4e-6 to 1.8e-10 of a 2001-node rule.
    const closeness = degenerate ? 4 : Math.min(4, 1 + a / (4 * c));
    build(outer, closeness * Math.max(a, Math.abs(b)), outerBreaks);
    // Without kinks the inner rule depends on c alone: built once per pair.
    if (!degenerate && kinks.length === 0) build(inner, c, []);
    let t = 0;
    let tp = 0;
    for (let i = 0; i < outer.count; i++) {
      const x = outer.x[i];
      const centre = b * x;
      let g = 0;
      let gp = 0;
      if (degenerate) {
        pair.both(centre, at);
        g = at[0];
        gp = at[1];
      } else {
        if (kinks.length > 0) build(inner, c, kinks.map((k) => (k - centre) / c));
        const xs = inner.x;
        const ws = inner.w;
        for (let j = 0; j < inner.count; j++) {
          pair.both(centre + c * xs[j], at);
          g += ws[j] * at[0];
          gp += ws[j] * at[1];
        }
      }
      pair.both(a * x, at);
      t += outer.w[i] * at[0] * g;
      tp += outer.w[i] * at[1] * gp;
    }
    out[0] = t;
    out[1] = tp;
  };
}
