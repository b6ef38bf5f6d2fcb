/**
 * options → model and inputs → kernel matrix: the core of every command, with
 * no file I/O. Commands read flags into a RunConfig, call computeNtk, and
 * write what it returns.
 */
import { activateBackend, type BackendChoice } from './kernel/backend';
import { naiveKernel } from './kernel/naive';
import { structuredKernel } from './kernel/structured';
import { tiledKernel } from './kernel/tiled';
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
  /** Worker threads for large kernels. */
  threads: number;
  /** A network read from a file; otherwise one is drawn from `shape` and `seed`. */
  model?: Mlp;
  /** Inputs read from a file; otherwise `samples` rows are drawn with torch.randn after the model. */
  inputs?: Samples;
  /** Second inputs: the result is the cross-kernel Θ(X, Y). */
  inputs2?: Samples;
  /** Fraction of the kernel done, for progress bars. */
  onProgress?: (fraction: number) => void;
}

/**
 * Somewhere to put the kernel by rows instead of returning it: an open .npy
 * file (io/npyStream.ts) that worker threads write tiles into directly.
 */
export interface RowSink {
  fd: number;
  dataOffset: number;
  writeRows(row: number, values: Float32Array): void;
}

export interface NtkResult {
  /** The network, or null for the infinite-width kernel. */
  model: Mlp | null;
  inputs: Samples;
  /**
   * Row-major [rows, cols]: Θ(X, X), or Θ(X, Y) with inputs2 (float64 for the
   * analytic kernels); null when it went to a RowSink.
   */
  kernel: Float32Array | Float64Array | null;
  rows: number;
  cols: number;
  /** Trainable parameters, or null at infinite width. */
  parameters: number | null;
  backend: string;
  kernelSeconds: number;
  stats: KernelStats;
}

/**
 * Kernels with at least this many cells are computed in tiles on worker
 * threads. Measured here (2 cores): n = 1000, d = 20, w = 256: in-process
 * 0.20 s, tiled 0.46 s (worker start-up dominates); n = 2000, d = 100,
 * w = 1024: in-process 1.5 s, tiled 0.97 s.
 */
export const TILED_MIN_CELLS = 1500 * 1500;

/** Tile side: about four column blocks per thread for balance, 256 to 1024 (larger tiles grow each worker's heap). */
export function tileSide(cols: number, threads: number): number {
  const target = Math.ceil(cols / (4 * threads) / 64) * 64;
  return Math.min(1024, Math.max(256, target));
}

/** The network and inputs of a run: read from files, or drawn in the seed's order (manual_seed, network, randn). */
export function modelAndInputs(config: RunConfig): { model: Mlp; inputs: Samples } {
  const generator = new TorchGenerator(config.seed);
  const model = config.model ?? initMlp(config.shape, generator);
  const inputDim = model.layers[0].inDim;
  const inputs = config.inputs ?? { values: generator.randn(config.samples * inputDim), count: config.samples };
  return { model, inputs };
}

/** The inputs X of a run, finite width or not (the analytic kernel has no network to draw first). */
export function runInputs(config: RunConfig): Samples {
  if (config.shape.width !== Infinity) return modelAndInputs(config).inputs;
  return config.inputs ?? { values: new TorchGenerator(config.seed).randn(config.samples * config.shape.inputDim), count: config.samples };
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** Write a whole in-memory kernel to a sink, in float32. */
function drain(sink: RowSink, kernel: Float32Array | Float64Array, rows: number, cols: number): void {
  const chunkRows = Math.max(1, Math.floor((1 << 22) / cols));
  for (let r = 0; r < rows; r += chunkRows) {
    const end = Math.min(rows, r + chunkRows);
    sink.writeRows(r, Float32Array.from(kernel.subarray(r * cols, end * cols)));
  }
}

export async function computeNtk(config: RunConfig, sink: RowSink | null = null): Promise<NtkResult> {
  const result = config.shape.width === Infinity ? computeAnalytic(config) : await computeEmpirical(config, sink);
  checkFinite(result);
  if (sink && result.kernel) {
    drain(sink, result.kernel, result.rows, result.cols);
    result.kernel = null;
  }
  return result;
}

async function computeEmpirical(config: RunConfig, sink: RowSink | null): Promise<NtkResult> {
  const { model, inputs } = modelAndInputs(config);
  const second = config.inputs2 ?? null;
  const rows = inputs.count;
  const cols = second ? second.count : rows;
  const base = { model, inputs, rows, cols, parameters: parameterCount(model) };
  const start = process.hrtime.bigint();
  if (config.method === 'structured' && rows * cols >= TILED_MIN_CELLS) {
    const matrix = sink ? null : new Float32Array(new SharedArrayBuffer(rows * cols * 4));
    const target = sink ? { kind: 'file' as const, fd: sink.fd, dataOffset: sink.dataOffset } : { kind: 'memory' as const, matrix: matrix! };
    const tile = tileSide(cols, config.threads);
    const tiled = await tiledKernel(model, inputs, second, target, { threads: config.threads, backend: config.backend, trace: config.trace, onProgress: config.onProgress, tile });
    const square = rows === cols && !second;
    const stats = {
      min: tiled.stats.min,
      max: tiled.stats.max,
      trace: square ? tiled.stats.diagonal : null,
      diag_mean: square ? tiled.stats.diagonal / rows : null,
      non_finite: tiled.stats.nonFinite,
    };
    return { ...base, kernel: matrix, backend: tiled.backend, kernelSeconds: seconds(start), stats };
  }
  const backend = await activateBackend(config.backend);
  const kernelFn = config.method === 'naive' ? naiveKernel : structuredKernel;
  const kernel = kernelFn(model, inputs, second, { trace: config.trace });
  config.onProgress?.(1);
  return { ...base, kernel, backend, kernelSeconds: seconds(start), stats: kernelStats(kernel, rows, cols) };
}

/** The infinite-width kernel; inputs are `torch.manual_seed(seed); torch.randn(n, d)` when not given. */
function computeAnalytic(config: RunConfig): NtkResult {
  const { shape } = config;
  const inputs = runInputs(config);
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
  const rows = inputs.count;
  const cols = second ? second.count : rows;
  return { model: null, inputs, kernel, rows, cols, parameters: null, backend: 'analytic', kernelSeconds: seconds(start), stats: kernelStats(kernel, rows, cols) };
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
function checkFinite(result: NtkResult): void {
  const bad = result.stats.non_finite;
  if (bad === 0) return;
  const largest = largestMagnitude(result.inputs.values);
  throw new Error(
    `the kernel has ${bad} non-finite entries: float32 overflowed (largest |input| ${largest.toPrecision(3)}); scale the inputs or weights down`,
  );
}

/** What a run keeps in memory, in bytes, by part: what the memory guard compares with the budget. */
export interface MemoryEstimate {
  total: number;
  parts: Record<string, number>;
}

const MB = 1 << 20;

/**
 * An upper estimate of a run's peak resident memory. Measured here: the
 * in-process path holds about 14 n×n float32 temporaries (n = 6000, d = 20,
 * width 10: 2.07 GB peak); a tile worker about 120 MB plus its tiles.
 */
export function estimateMemory(config: RunConfig, keepsMatrix: boolean): MemoryEstimate {
  const rows = config.inputs?.count ?? config.samples;
  const cols = config.inputs2?.count ?? rows;
  const cells = rows * cols;
  const parts: Record<string, number> = { runtime: 250 * MB };
  if (config.shape.width === Infinity) {
    parts.kernel = cells * 16; // NNGP and NTK in float64
    return { total: parts.runtime + parts.kernel, parts };
  }
  const sizes = config.model
    ? [config.model.layers[0].inDim, ...config.model.layers.map((l) => l.outDim)]
    : [config.shape.inputDim, ...Array<number>(config.shape.depth).fill(config.shape.width), config.shape.outputDim];
  const outputDim = sizes[sizes.length - 1];
  const factorWidth = sizes.slice(0, -1).reduce((sum, inDim, l) => sum + inDim + sizes[l + 1] * outputDim, 0);
  parts.factors = (rows + (config.inputs2 ? cols : 0)) * factorWidth * 4;
  if (config.method === 'naive') {
    const parameters = sizes.slice(0, -1).reduce((sum, inDim, l) => sum + (inDim + 1) * sizes[l + 1], 0);
    parts.jacobian = 2 * (rows + cols) * parameters * 4;
    parts.kernel = 3 * cells * 4;
  } else if (cells >= TILED_MIN_CELLS) {
    const widest = Math.max(...sizes);
    const tile = tileSide(cols, config.threads);
    parts.workers = config.threads * (120 * MB + 10 * tile * tile * 4 + 4 * tile * widest * outputDim * 4);
    if (keepsMatrix) parts.kernel = cells * 4;
  } else {
    parts.kernel = 14 * cells * 4;
  }
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { total, parts };
}
