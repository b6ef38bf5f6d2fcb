/**
 * options → model and inputs → kernel matrix: the core of every command, with
 * no file I/O. Commands read flags into a RunConfig, call computeNtk, and
 * write what it returns.
 */
import { activateBackend, type BackendChoice } from './kernel/backend';
import { naiveKernel } from './kernel/naive';
import { structuredKernel } from './kernel/structured';
import { kernelStats, type KernelStats } from './kernel/stats';
import type { Trace } from './kernel/trace';
import { initMlp, parameterCount, type Mlp, type MlpShape } from './model/mlp';
import { TorchGenerator } from './model/torchRandom';
import type { Samples } from './kernel/structured';
import { analyticKernels, type AnalyticActivation, type KernelKind } from './kernel/analytic';

export const METHODS = ['structured', 'naive'] as const;
export type Method = (typeof METHODS)[number];

export interface RunConfig {
  /** width Infinity asks for the analytic kernel. */
  shape: MlpShape;
  kernel: KernelKind;
  samples: number;
  seed: bigint;
  method: Method;
  trace: Trace;
  backend: BackendChoice;
  /** A network read from a file; otherwise one is drawn from `shape` and `seed`. */
  model?: Mlp;
  /** Inputs read from a file; otherwise `samples` rows are drawn with torch.randn after the model. */
  inputs?: Samples;
  /** Second inputs: the result is the cross-kernel Θ(X, Y). */
  inputs2?: Samples;
}

export interface NtkResult {
  /** The network, or null for the infinite-width kernel. */
  model: Mlp | null;
  inputs: Samples;
  /** Row-major [rows, cols]: Θ(X, X), or Θ(X, Y) with inputs2 (float64 for the analytic kernels). */
  kernel: Float32Array | Float64Array;
  rows: number;
  cols: number;
  /** Trainable parameters, or null at infinite width. */
  parameters: number | null;
  backend: string;
  kernelSeconds: number;
  stats: KernelStats;
}

export async function computeNtk(config: RunConfig): Promise<NtkResult> {
  if (config.shape.width === Infinity) return computeAnalytic(config);
  const backend = await activateBackend(config.backend);
  // The seed's order of draws: torch.manual_seed, the network, then torch.randn(n, d).
  const generator = new TorchGenerator(config.seed);
  const model = config.model ?? initMlp(config.shape, generator);
  const inputDim = model.layers[0].inDim;
  const inputs = config.inputs ?? { values: generator.randn(config.samples * inputDim), count: config.samples };
  const second = config.inputs2 ?? null;
  const kernelFn = config.method === 'naive' ? naiveKernel : structuredKernel;
  const start = process.hrtime.bigint();
  const kernel = kernelFn(model, inputs, second, { trace: config.trace });
  const kernelSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rows = inputs.count;
  const cols = second ? second.count : rows;
  checkFinite(kernel, inputs, second);
  return {
    model,
    inputs,
    kernel,
    rows,
    cols,
    parameters: parameterCount(model),
    backend,
    kernelSeconds,
    stats: kernelStats(kernel, rows, cols),
  };
}

/** The infinite-width kernel; inputs are `torch.manual_seed(seed); torch.randn(n, d)` when not given. */
function computeAnalytic(config: RunConfig): NtkResult {
  const { shape } = config;
  const inputs = config.inputs ?? { values: new TorchGenerator(config.seed).randn(config.samples * shape.inputDim), count: config.samples };
  const second = config.inputs2 ?? null;
  const spec = {
    inputDim: shape.inputDim,
    depth: shape.depth,
    outputDim: shape.outputDim,
    activation: shape.activation as AnalyticActivation,
    sigmaW: shape.sigmaW ?? 1,
    sigmaB: shape.sigmaB ?? 1,
    trace: config.trace,
  };
  const start = process.hrtime.bigint();
  const kernel = analyticKernels(spec, inputs, second)[config.kernel];
  const kernelSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rows = inputs.count;
  const cols = second ? second.count : rows;
  return { model: null, inputs, kernel, rows, cols, parameters: null, backend: 'analytic', kernelSeconds, stats: kernelStats(kernel, rows, cols) };
}

function largestMagnitude(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/**
 * The kernels run in float32, whose range ends at 3.4e38: inputs or weights
 * large enough to overflow it make Inf or NaN entries. Say so instead of
 * drawing or writing them.
 */
function checkFinite(kernel: Float32Array, inputs: Samples, second: Samples | null): void {
  let bad = 0;
  for (let i = 0; i < kernel.length; i++) if (!Number.isFinite(kernel[i])) bad++;
  if (bad === 0) return;
  const largest = Math.max(largestMagnitude(inputs.values), second ? largestMagnitude(second.values) : 0);
  throw new Error(
    `the kernel has ${bad} non-finite entries: float32 overflowed (largest |input| ${largest.toPrecision(3)}); scale the inputs or weights down`,
  );
}
