/**
 * The infinite-width kernels of a network in NTK parameterization, layer by
 * layer (each kind's map, layers/), in neural-tangents' conventions (Jacot et
 * al. 2018; Lee et al. 2019): the inputs enter as Σ⁰ = x·x′/d (the mean over
 * the input's values) and Θ⁰ = 0; a dense layer maps Σ ↦ σ_w²·Σ + σ_b² and
 * Θ ↦ σ_w²·Θ + Σ_new; an activation maps Σ ↦ E[φ(u)φ(v)] and
 * Θ ↦ E[φ′(u)φ′(v)]·Θ for (u, v) ~ N(0, [[Σ(x,x), Σ(x,x′)], [Σ(x,x′), Σ(x′,x′)]]),
 * each activation's closed form or quadrature (activations/). Each input's
 * own Σ(x, x) at every layer is computed once (O(n·depth) maps), then every
 * pair runs through the layers on its own: O(n·m·(d + depth)) with closed
 * forms, O(n·m·depth·q²) by quadrature, q nodes per axis.
 *
 * These are the kernels of one output; `trace: 'sum'` multiplies them by the
 * number of outputs, as the empirical kernel sums over its outputs.
 */
import { activation, type QuadratureOptions } from '../activations';
import { entriesOf, kindOf, pixelsOf, type InfiniteMap, type InfiniteOptions, type LayoutKind, type PairLayout, type RowKernels } from '../layers';
import { inputCount, mlpArchitecture, outputCount, resolveLayers, type Architecture } from '../model/architecture';
import type { MlpShape } from '../model/mlp';
import type { Samples } from '../types';
import { traceScale, type Trace } from './trace';

export { KERNEL_KINDS, type KernelKind } from './kinds';

/** The MLP shorthand of an infinite-width network (hidden width infinite), with σ_w and σ_b required. */
export interface AnalyticSpec extends Pick<MlpShape, 'inputDim' | 'depth' | 'outputDim'> {
  activation: string;
  sigmaW: number;
  sigmaB: number;
  trace?: Trace;
  /** For activations without a closed form (activations/quadrature.ts). */
  quadrature?: QuadratureOptions;
}

/** An infinite-width network: its architecture, σ_w and σ_b, the trace and the quadrature rule. */
export interface InfiniteSpec {
  architecture: Architecture;
  sigmaW: number;
  sigmaB: number;
  trace?: Trace;
  quadrature?: QuadratureOptions;
}

export class AnalyticKernelError extends Error {}

export function infiniteSpecOf(spec: AnalyticSpec): InfiniteSpec {
  return {
    architecture: mlpArchitecture(spec.inputDim, spec.depth, spec.outputDim, spec.activation),
    sigmaW: spec.sigmaW,
    sigmaB: spec.sigmaB,
    trace: spec.trace,
    quadrature: spec.quadrature,
  };
}

/** Each layer's map, built once for the layout its input comes in, and the layout of the network's input. */
interface Stages {
  input: PairLayout;
  maps: InfiniteMap[];
}

/**
 * The layouts, chosen from the readout back: a vector after the last layer,
 * then whatever each layer needs of its input (flatten: same-pixel pairs; gap
 * and pooling: every pixel pair), so each pair carries no more entries than
 * its readout reads.
 */
function stagesOf(spec: InfiniteSpec): Stages {
  const options: InfiniteOptions = { sigmaW: spec.sigmaW, sigmaB: spec.sigmaB, quadrature: spec.quadrature };
  const layers = resolveLayers(spec.architecture, 1);
  let need: LayoutKind = 'vector';
  for (let l = layers.length - 1; l >= 0; l--) need = kindOf(layers[l]).inputLayoutFor?.(layers[l], need) ?? need;
  const shape = spec.architecture.input;
  let layout: PairLayout = shape.length === 3 && need !== 'vector' ? { kind: need, height: shape[1], width: shape[2] } : { kind: 'vector' };
  const input = layout;
  const maps = layers.map((layer) => {
    const kind = kindOf(layer);
    if (!kind.infinite) throw new AnalyticKernelError(`${kind.describe(layer)} has no infinite-width limit in closed form`);
    const map = kind.infinite(layer, options, layout);
    layout = map.output;
    return map;
  });
  if (layout.kind !== 'vector') throw new AnalyticKernelError('the network ends in an image: end it with flatten or gap and a dense layer');
  return { input, maps };
}

/** Inputs as the kernels' first computed layer takes them: each a row of `dim` values. */
interface InputRows {
  values: Float32Array | Float64Array;
  count: number;
  dim: number;
}

/** Σ⁰ of x_i against x′_j, j in [j0, j1), in `layout`: the mean over channels (over values for vectors) of x·x′. */
function inputKernels(x: InputRows, i: number, other: InputRows, j0: number, j1: number, layout: PairLayout, out: Float64Array): void {
  const d = x.dim;
  const a = x.values.subarray(i * d, (i + 1) * d);
  if (layout.kind === 'vector') {
    for (let j = j0; j < j1; j++) {
      let s = 0;
      for (let k = 0, at = j * d; k < d; k++) s += a[k] * other.values[at + k];
      out[j - j0] = s / d;
    }
    return;
  }
  const pixels = layout.height * layout.width;
  const channels = d / pixels;
  for (let j = j0; j < j1; j++) {
    const b = other.values.subarray(j * d, (j + 1) * d);
    if (layout.kind === 'diagonal') {
      const base = (j - j0) * pixels;
      for (let p = 0; p < pixels; p++) {
        let s = 0;
        for (let c = 0; c < channels; c++) s += a[c * pixels + p] * b[c * pixels + p];
        out[base + p] = s / channels;
      }
    } else {
      const base = (j - j0) * pixels * pixels;
      for (let p = 0; p < pixels; p++) {
        for (let q = 0; q < pixels; q++) {
          let s = 0;
          for (let c = 0; c < channels; c++) s += a[c * pixels + p] * b[c * pixels + q];
          out[base + p * pixels + q] = s / channels;
        }
      }
    }
  }
}

/** A pair's own Σ at each pixel (its same-pixel entries): what the next activation needs of an input. */
function ownAtPixels(row: RowKernels): Float64Array {
  const { layout, sigma } = row;
  if (layout.kind !== 'full') return Float64Array.from(sigma.subarray(0, sigma.length / row.count));
  const pixels = layout.height * layout.width;
  return Float64Array.from({ length: pixels }, (_, p) => sigma[p * pixels + p]);
}

/**
 * The stages computed pair by pair, after the leading layers that apply to
 * the inputs themselves (average pooling before the first convolution: one
 * pass over the inputs instead of one over every pair of them).
 */
function pairStages(spec: InfiniteSpec): { leading: InfiniteMap[]; stages: Stages } {
  const all = stagesOf(spec);
  let skip = 0;
  while (skip < all.maps.length && all.maps[skip].onInputs) skip++;
  const input = skip === 0 ? all.input : all.maps[skip - 1].output;
  return { leading: all.maps.slice(0, skip), stages: { input, maps: all.maps.slice(skip) } };
}

function applyLeading(leading: InfiniteMap[], samples: Samples): InputRows {
  if (leading.length === 0) return samples;
  let values: Float64Array = Float64Array.from(samples.values);
  for (const stage of leading) values = stage.onInputs!(values, samples.count);
  return { values, count: samples.count, dim: values.length / samples.count };
}

/** Σ(x, x) at each pixel before every layer l (row l: n × pixels_l), for every sample: what each pair's activations need. */
function diagonals(stages: Stages, samples: InputRows): Float64Array[] {
  const rows: Float64Array[] = [];
  const layouts = [stages.input, ...stages.maps.map((m) => m.output)];
  stages.maps.forEach((_, l) => rows.push(new Float64Array(samples.count * pixelsOf(layouts[l]))));
  for (let i = 0; i < samples.count; i++) {
    const entries = entriesOf(stages.input);
    let row: RowKernels = { count: 1, layout: stages.input, sigma: new Float64Array(entries), theta: new Float64Array(entries), left: new Float64Array(0), right: new Float64Array(0) };
    inputKernels(samples, i, samples, i, i + 1, stages.input, row.sigma);
    stages.maps.forEach((stage, l) => {
      const own = ownAtPixels(row);
      rows[l].set(own, i * own.length);
      row.left = own;
      row.right = own;
      row = stage.map(row);
    });
  }
  return rows;
}

export interface AnalyticPlan {
  spec: InfiniteSpec;
  /** The inputs after the layers applied to them directly (pairStages). */
  x: InputRows;
  y: InputRows | null;
  /** Σ(x, x) at each pixel before each pair stage, per sample of X (and Y): n × pixels per stage. */
  dx: Float64Array[];
  dy: Float64Array[];
}

/** What every row of the kernel needs: the spec, the inputs, and the diagonals. O(n·depth) maps. */
export function analyticPlan(spec: AnalyticSpec | InfiniteSpec, x: Samples, y: Samples | null): AnalyticPlan {
  const infinite = 'architecture' in spec ? spec : infiniteSpecOf(spec);
  const d = inputCount(infinite.architecture);
  if (x.dim !== d || (y && y.dim !== d)) throw new AnalyticKernelError(`inputs of dimension ${x.dim} for a network that takes ${d}`);
  const { leading, stages } = pairStages(infinite);
  const px = applyLeading(leading, x);
  const py = y ? applyLeading(leading, y) : null;
  const dx = diagonals(stages, px);
  return { spec: infinite, x: px, y: py, dx, dy: py ? diagonals(stages, py) : dx };
}

const planStages = new WeakMap<AnalyticPlan, Stages>();

/** A plan's pair stages, built once where it is used: a plan crosses to worker threads as data (its spec), and its stages are closures. */
function stagesOfPlan(plan: AnalyticPlan): Stages {
  let stages = planStages.get(plan);
  if (!stages) {
    stages = pairStages(plan.spec).stages;
    planStages.set(plan, stages);
  }
  return stages;
}

/** Pairs per chunk of a row: a few million entries of Σ and Θ at a time. */
const CHUNK_ENTRIES = 1 << 22;

/**
 * Rows [r0, r1) of Σ and Θ for one output, into `nngp` and `ntk` (row-major, m
 * columns, row r0 first). Each row runs through the layers as vectors of
 * pairs (in chunks where pairs carry pixels), with the diagonals of the plan;
 * with Y = X only the pairs j ≥ i are computed (the caller mirrors them).
 */
export function analyticRows(plan: AnalyticPlan, r0: number, r1: number, nngp: Float64Array, ntk: Float64Array): void {
  const { x, y, dx, dy } = plan;
  const other = y ?? x;
  const m = other.count;
  const stages = stagesOfPlan(plan);
  const layouts = [stages.input, ...stages.maps.map((s) => s.output)];
  const entries = entriesOf(stages.input);
  const chunk = Math.max(1, Math.floor(CHUNK_ENTRIES / entries));
  for (let i = r0; i < r1; i++) {
    for (let j0 = y ? 0 : i; j0 < m; j0 += chunk) {
      const j1 = Math.min(m, j0 + chunk);
      const count = j1 - j0;
      const k = (i - r0) * m + j0;
      // Vectors all the way: the row is computed where it ends up, in the output's own row.
      const inPlace = entries === 1;
      let row: RowKernels = {
        count,
        layout: stages.input,
        sigma: inPlace ? nngp.subarray(k, k + count) : new Float64Array(count * entries),
        theta: inPlace ? ntk.subarray(k, k + count) : new Float64Array(count * entries),
        left: new Float64Array(0),
        right: new Float64Array(0),
      };
      inputKernels(x, i, other, j0, j1, stages.input, row.sigma);
      if (inPlace) row.theta.fill(0);
      stages.maps.forEach((stage, l) => {
        const pixels = pixelsOf(layouts[l]);
        row.left = dx[l].subarray(i * pixels, (i + 1) * pixels);
        row.right = dy[l].subarray(j0 * pixels, j1 * pixels);
        row = stage.map(row);
      });
      if (!inPlace) {
        nngp.set(row.sigma, k);
        ntk.set(row.theta, k);
      }
    }
  }
}

/** The traced or whole kernel from the per-output Σ and Θ: × o for 'sum', ⊗ I_o for 'none'. */
export function finishAnalytic(spec: InfiniteSpec, kernels: { nngp: Float64Array; ntk: Float64Array }, n: number, m: number): { nngp: Float64Array; ntk: Float64Array } {
  const { nngp: sigma, ntk: theta } = kernels;
  const outputs = outputCount(spec.architecture);
  if (spec.trace === 'none') return { nngp: timesIdentity(sigma, n, m, outputs), ntk: timesIdentity(theta, n, m, outputs) };
  const scale = traceScale(spec.trace ?? 'sum', outputs) * outputs;
  if (scale !== 1) {
    for (let k = 0; k < n * m; k++) {
      sigma[k] *= scale;
      theta[k] *= scale;
    }
  }
  return { nngp: sigma, ntk: theta };
}

/** Mirror the computed upper triangle of a symmetric n × n matrix. */
export function mirrorUpper(a: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
}

/** Σ and Θ of the network's output for every pair (x_i, y_j), row-major [n, m] ([n·o, m·o] with trace 'none'), in float64. */
export function analyticKernels(spec: AnalyticSpec | InfiniteSpec, x: Samples, y: Samples | null = null): { nngp: Float64Array; ntk: Float64Array } {
  const plan = analyticPlan(spec, x, y);
  const n = x.count;
  const m = y ? y.count : n;
  const nngp = new Float64Array(n * m);
  const ntk = new Float64Array(n * m);
  analyticRows(plan, 0, n, nngp, ntk);
  if (!y) {
    mirrorUpper(nngp, n);
    mirrorUpper(ntk, n);
  }
  return finishAnalytic(plan.spec, { nngp, ntk }, n, m);
}

/**
 * K ⊗ I_o, row i·o + a: the whole kernel over outputs at infinite width, where
 * different outputs are independent (their off-diagonal blocks vanish).
 */
function timesIdentity(k: Float64Array, n: number, m: number, o: number): Float64Array {
  if (o === 1) return k;
  const cols = m * o;
  const out = new Float64Array(n * o * cols);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let a = 0; a < o; a++) out[(i * o + a) * cols + j * o + a] = k[i * m + j];
  return out;
}

/** Entries of Σ and Θ each pair carries at the network's input (its pixels, or pixel pairs; 1 for vectors): the size of its work. */
export function entriesPerPair(spec: InfiniteSpec): number {
  return entriesOf(pairStages(spec).stages.input);
}

/** Whether every activation of the network has a closed form (else quadrature: worth worker threads). */
export function closedForm(spec: InfiniteSpec): boolean {
  return spec.architecture.layers.every((entry) => entry.kind !== 'activation' || activation(entry.name).closedForm !== null);
}
