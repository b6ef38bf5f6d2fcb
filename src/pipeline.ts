/**
 * options → model and inputs → kernel matrix: the core of every kernel
 * command, with no file I/O of its own (a kernel given a sink writes there).
 * Commands read flags into a RunConfig, call computeNtk, and write what it
 * returns.
 */
import type * as TF from '@tensorflow/tfjs';
import { activation, dualMethod } from './activations';
import { sphere } from './data/generated';
import { analyticKernels, type KernelKind } from './kernel/analytic';
import { fullOutputKernel } from './kernel/fullOutputs';
import { naiveKernel } from './kernel/naive';
import { structuredKernelOnDevice } from './kernel/onDevice';
import { MatrixSink } from './kernel/sink';
import { kernelStats, statsFromTiles, type KernelStats } from './kernel/stats';
import { runTilesYielding, structuredKernel } from './kernel/structured';
import { tileSideFor } from './kernel/tiles';
import { rowsPerSample, type Trace } from './kernel/trace';
import { openLinalg, timedLinalg, type LinalgChoice } from './linalg';
import { initMlp, layerSizes, layerSizesOf, outputDimOf, parameterCount, type Mlp, type MlpShape } from './model/mlp';
import { TorchGenerator } from './model/torchRandom';
import { activateBackend, type BackendChoice, type BackendName } from './tfjs/backend';
import { deviceForRun, releaseWebGpu, type GpuAdapter } from './tfjs/webgpu';
import type { KernelSink, Samples } from './types';

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
  linalg: LinalgChoice;
  /** OpenBLAS threads, or TensorFlow.js worker threads (wasm and cpu backends). */
  threads: number;
  /** A network read from a file; otherwise one is drawn from `shape` and `seed`. */
  model?: Mlp;
  /** Inputs read from a file; otherwise `samples` rows are drawn with torch.randn after the model. */
  inputs?: Samples;
  /** Second inputs: the result is the cross-kernel Θ(X, Y). */
  inputs2?: Samples;
  /** Nodes per axis for infinite-width kernels by quadrature (default: adaptive). */
  quadrature?: number;
  /** Put each drawn input on the unit sphere (divide its row by its norm). */
  normalizeInputs?: boolean;
  /** Fraction of the kernel done, for progress bars. */
  onProgress?: (fraction: number) => void;
}

export interface NtkResult {
  /** The network, or null for the infinite-width kernel. */
  model: Mlp | null;
  inputs: Samples;
  /**
   * Row-major [rows, cols]: Θ(X, X), or Θ(X, Y) with inputs2 (float64 for the
   * analytic kernels); null when it went to a sink.
   */
  kernel: Float32Array | Float64Array | null;
  rows: number;
  cols: number;
  /** Trainable parameters, or null at infinite width. */
  parameters: number | null;
  /** What ran the products ('openblas', 'tfjs', …), or null for the closed form. */
  linalg: string | null;
  /** The TensorFlow.js backend that ran, or null where none was needed. */
  backend: BackendName | null;
  /** The WebGPU adapter that computed the kernel, where one did. */
  adapter?: GpuAdapter;
  /** At infinite width: 'closed form' or the quadrature used; else null. */
  dual: string | null;
  kernelSeconds: number;
  /** Of kernelSeconds, the time in matrix products on this thread (null where they ran elsewhere). */
  productSeconds: number | null;
  stats: KernelStats;
}

/** A RunConfig the core cannot compute: the one-line reason. */
export class RunConfigError extends Error {}

/**
 * Kernels with at least this many cells run on worker threads when the
 * products are TensorFlow.js's wasm or cpu backend (one thread per backend);
 * below it, starting the workers costs more than they save.
 */
export const WORKER_MIN_CELLS = 1500 * 1500;

/** Tile side on a device: large tiles keep a GPU busy (the binding limit may cut it, onDevice.ts). */
const DEVICE_TILE = 4096;

/** Infinite-width kernels by quadrature run on worker threads from this many pairs of inputs on. */
const QUADRATURE_WORKER_MIN_PAIRS = 2000;

/** The network and inputs of a run: read from files, or drawn in the seed's order (manual_seed, network, randn). */
export function modelAndInputs(config: RunConfig): { model: Mlp; inputs: Samples } {
  const generator = new TorchGenerator(config.seed);
  const model = config.model ?? initMlp(config.shape, generator);
  const inputs = config.inputs ?? drawnInputs(config, generator, model.layers[0].inDim);
  return { model, inputs };
}

/** `torch.randn(samples, dim)` from the generator's state, on the unit sphere when asked. */
function drawnInputs(config: RunConfig, generator: TorchGenerator, dim: number): Samples {
  const values = generator.randn(config.samples * dim);
  return config.normalizeInputs ? sphere(values, config.samples, dim) : { values, count: config.samples, dim };
}

/** The inputs X of a run, finite width or not (the analytic kernel has no network to draw first). */
export function runInputs(config: RunConfig): Samples {
  if (config.shape.width !== Infinity) return modelAndInputs(config).inputs;
  return config.inputs ?? drawnInputs(config, new TorchGenerator(config.seed), config.shape.inputDim);
}

/** The shape of the kernel a run computes: samples × samples, times the outputs each with trace 'none'. */
export function kernelShape(config: RunConfig): [number, number] {
  const outputs = config.model ? outputDimOf(config.model) : config.shape.outputDim;
  const perSample = rowsPerSample(config.trace, outputs);
  const rows = config.inputs?.count ?? config.samples;
  const cols = config.inputs2?.count ?? rows;
  return [rows * perSample, cols * perSample];
}

/** Refuse what the core cannot compute, with the reason (the CLI checks flags earlier, naming them). */
export function checkRunConfig(config: RunConfig): void {
  const { shape } = config;
  try {
    activation(shape.activation);
  } catch (error) {
    throw new RunConfigError((error as Error).message);
  }
  if (shape.width === Infinity) {
    if (shape.parameterization !== 'ntk') throw new RunConfigError('the infinite-width kernel needs the ntk parameterization');
  } else if (config.kernel !== 'ntk') throw new RunConfigError('the NNGP kernel is computed at infinite width only');
  const dim = config.model ? config.model.layers[0].inDim : shape.inputDim;
  for (const [name, samples] of [['inputs', config.inputs], ['second inputs', config.inputs2]] as const) {
    if (samples && samples.dim !== dim) throw new RunConfigError(`${name} have ${samples.dim} values per row, the network takes ${dim}`);
    if (samples && samples.values.length !== samples.count * samples.dim) throw new RunConfigError(`${name}: ${samples.values.length} values are not ${samples.count} rows of ${samples.dim}`);
  }
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** Write a whole in-memory kernel to a sink, in float32, a few MB at a time. */
function drain(sink: KernelSink, kernel: Float32Array | Float64Array, rows: number, cols: number): void {
  const chunkRows = Math.max(1, Math.floor((1 << 22) / cols));
  for (let r = 0; r < rows; r += chunkRows) {
    const end = Math.min(rows, r + chunkRows);
    sink.writeBlock(r, 0, { data: Float32Array.from(kernel.subarray(r * cols, end * cols)), rows: end - r, cols }, false);
  }
}

/**
 * Compute the kernel of `config`. With a sink the kernel is written there
 * (result.kernel is null); without one it is returned.
 */
export async function computeNtk(config: RunConfig, sink: KernelSink | null = null): Promise<NtkResult> {
  checkRunConfig(config);
  const result = config.shape.width === Infinity ? await computeAnalytic(config) : await computeEmpirical(config, sink);
  checkFinite(result);
  if (sink && result.kernel) {
    drain(sink, result.kernel, result.rows, result.cols);
    result.kernel = null;
  }
  return result;
}

async function computeEmpirical(config: RunConfig, sink: KernelSink | null): Promise<NtkResult> {
  const { model, inputs } = modelAndInputs(config);
  const second = config.inputs2 ?? null;
  const perSample = rowsPerSample(config.trace, outputDimOf(model));
  const rows = inputs.count * perSample;
  const cols = (second ? second.count : inputs.count) * perSample;
  const base = { model, inputs, rows, cols, parameters: parameterCount(model) };
  const traced = config.method === 'structured' && config.trace !== 'none';
  const device = traced ? await deviceForRun(config.backend, config.linalg, rows * cols) : null;
  if (device) return computeOnDevice(config, device, base, sink);
  const opened = await openLinalg(config.linalg, config.threads, config.backend);
  const linalg = timedLinalg(opened.linalg);
  const start = process.hrtime.bigint();
  if (config.method === 'structured' && config.trace === 'none') {
    const kernel = fullOutputKernel(model, inputs, second, linalg);
    config.onProgress?.(1);
    const timing = { kernelSeconds: seconds(start), productSeconds: linalg.seconds() };
    return { ...base, kernel, linalg: linalg.name, backend: opened.backend, dual: null, ...timing, stats: kernelStats(kernel, rows, cols) };
  }
  if (config.method === 'naive') {
    const backend = opened.backend ?? (await activateBackend(config.backend));
    const kernel = naiveKernel(model, inputs, second, linalg, { trace: config.trace });
    config.onProgress?.(1);
    const timing = { kernelSeconds: seconds(start), productSeconds: linalg.seconds() };
    return { ...base, kernel, linalg: linalg.name, backend, dual: null, ...timing, stats: kernelStats(kernel, rows, cols) };
  }
  const tile = tileSideFor(opened.linalg.name, sink !== null && !sink.inPlace);
  const useWorkers = (opened.backend === 'wasm' || opened.backend === 'cpu') && config.threads > 1 && rows * cols >= WORKER_MIN_CELLS;
  let target = sink;
  let memory: MatrixSink | null = null;
  if (!target || (useWorkers && !target.shared?.())) {
    memory = new MatrixSink(rows, cols, useWorkers ? new Float32Array(new SharedArrayBuffer(rows * cols * 4)) : undefined);
    target = memory;
  }
  let tileStats;
  if (useWorkers) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { workerKernel } = require('./workers/tileWorkers') as typeof import('./workers/tileWorkers');
    const options = { threads: config.threads, backend: opened.backend as 'wasm' | 'cpu', trace: config.trace, tile, onProgress: config.onProgress };
    tileStats = await workerKernel(model, inputs, second, target.shared!()!, options);
  } else {
    tileStats = (await runTilesYielding(structuredKernel(model, inputs, second, linalg, target, { trace: config.trace, tile, onProgress: config.onProgress }))).stats;
  }
  const stats = statsFromTiles(tileStats, !second);
  if (memory && sink) drain(sink, memory.matrix, rows, cols);
  const kernel = memory && !sink ? memory.matrix : null;
  const timing = { kernelSeconds: seconds(start), productSeconds: useWorkers ? null : linalg.seconds() };
  return { ...base, kernel, linalg: linalg.name, backend: opened.backend, dual: null, ...timing, stats };
}

type Base = Pick<NtkResult, 'inputs' | 'rows' | 'cols' | 'parameters'> & { model: Mlp };

/** The traced structured kernel on a WebGPU device, tile by tile into `sink` (or memory). */
async function computeOnDevice(config: RunConfig, device: { tf: typeof TF; adapter: GpuAdapter }, base: Base, sink: KernelSink | null): Promise<NtkResult> {
  const { rows, cols, model, inputs } = base;
  const memory = sink ? null : new MatrixSink(rows, cols);
  const start = process.hrtime.bigint();
  try {
    const options = { trace: config.trace, tile: DEVICE_TILE, maxBindingBytes: device.adapter.maxStorageBufferBindingSize, onProgress: config.onProgress };
    const { stats } = await structuredKernelOnDevice(device.tf, model, inputs, config.inputs2 ?? null, sink ?? memory!, options);
    const result = { ...base, kernel: memory?.matrix ?? null, linalg: 'tfjs', backend: 'webgpu' as const, adapter: device.adapter, dual: null };
    return { ...result, kernelSeconds: seconds(start), productSeconds: null, stats: statsFromTiles(stats, !config.inputs2) };
  } finally {
    releaseWebGpu(device.tf);
  }
}

/** The infinite-width kernel; inputs are `torch.manual_seed(seed); torch.randn(n, d)` when not given. */
async function computeAnalytic(config: RunConfig): Promise<NtkResult> {
  const { shape } = config;
  const inputs = runInputs(config);
  const second = config.inputs2 ?? null;
  const spec = {
    inputDim: shape.inputDim,
    depth: shape.depth,
    outputDim: shape.outputDim,
    activation: shape.activation,
    sigmaW: shape.sigmaW ?? 1,
    sigmaB: shape.sigmaB ?? 1,
    trace: config.trace,
    quadrature: { nodes: config.quadrature },
  };
  const start = process.hrtime.bigint();
  const act = activation(shape.activation);
  // Quadrature costs thousands of evaluations a pair: worth the worker threads from a few thousand pairs on.
  const onWorkers = !act.closedForm && config.threads > 1 && inputs.count * (second ?? inputs).count >= QUADRATURE_WORKER_MIN_PAIRS;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const workers = onWorkers ? (require('./workers/analyticWorkers') as typeof import('./workers/analyticWorkers')) : null;
  const kernels = workers ? await workers.analyticKernelsOnWorkers(spec, inputs, second, config.threads) : analyticKernels(spec, inputs, second);
  const kernel = kernels[config.kernel];
  const perSample = rowsPerSample(config.trace, shape.outputDim);
  const rows = inputs.count * perSample;
  const cols = (second ? second.count : inputs.count) * perSample;
  const stats = kernelStats(kernel, rows, cols);
  const dual = dualMethod(act, spec.quadrature);
  return { model: null, inputs, kernel, rows, cols, parameters: null, linalg: null, backend: null, dual, kernelSeconds: seconds(start), productSeconds: null, stats };
}

function largestMagnitude(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** The largest finite float32, 3.4e38. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The kernels run in float32, whose range ends at 3.4e38: inputs or weights
 * large enough to overflow it make Inf or NaN entries. The infinite-width
 * kernel runs in float64 but is written and drawn in float32, so values beyond
 * that range (σ_w large enough to grow it geometrically with depth) are refused
 * too. Say so instead of drawing or writing them.
 */
function checkFinite(result: NtkResult): void {
  const bad = result.stats.nonFinite;
  if (bad === 0 && result.model === null) {
    const largest = Math.max(Math.abs(result.stats.min), Math.abs(result.stats.max));
    if (largest > FLOAT32_MAX) {
      throw new RunConfigError(`the infinite-width kernel reaches ${largest.toPrecision(3)}, beyond float32's range (3.4e38): each layer multiplies it by about σ_w²; lower --sigma-w or --depth, or scale the inputs down`);
    }
  }
  if (bad === 0) return;
  const largest = largestMagnitude(result.inputs.values);
  throw new RunConfigError(
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
 * An upper estimate of a run's peak resident memory: the runtime, the
 * factors (and the forward pass's pre-activations beside them), the tile
 * buffers, and the n × m matrix where the run keeps it.
 */
export function estimateMemory(config: RunConfig, keepsMatrix: boolean, linalgName: string): MemoryEstimate {
  const outputs = config.model ? outputDimOf(config.model) : config.shape.outputDim;
  const perSample = rowsPerSample(config.trace, outputs);
  const [rows, cols] = kernelShape(config);
  const cells = rows * cols;
  const parts: Record<string, number> = { runtime: 250 * MB };
  if (config.shape.width === Infinity) {
    parts.kernel = cells * 16; // NNGP and NTK in float64
    return { total: parts.runtime + parts.kernel, parts };
  }
  const sizes = config.model ? layerSizesOf(config.model) : layerSizes(config.shape);
  const outputDim = sizes[sizes.length - 1];
  const samples = (rows + (config.inputs2 ? cols : 0)) / perSample;
  const factorWidth = sizes.slice(0, -1).reduce((sum, inDim, l) => sum + inDim + sizes[l + 1] * outputDim, 0);
  parts.factors = samples * (factorWidth + 2 * Math.max(...sizes)) * 4;
  if (config.trace === 'none') {
    // The whole kernel over outputs is built in memory, with one product of its size beside it.
    parts.kernel = 2 * cells * 4;
  } else if (config.method === 'naive') {
    const parameters = sizes.slice(0, -1).reduce((sum, inDim, l) => sum + (inDim + 1) * sizes[l + 1], 0);
    parts.jacobian = 2 * samples * outputDim * parameters * 4;
    parts.kernel = 2 * cells * 4;
  } else {
    const side = Math.min(tileSideFor(linalgName, !keepsMatrix), Math.max(rows, cols));
    const workers = linalgName === 'tfjs' && cells >= WORKER_MIN_CELLS ? config.threads : 1;
    parts.tiles = workers * (3 * side * side * 4 + (linalgName === 'tfjs' ? 120 * MB + 4 * side * Math.max(...sizes) * outputDim * 4 : 0));
    if (keepsMatrix) parts.kernel = cells * 4;
  }
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { total, parts };
}
