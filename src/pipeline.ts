/**
 * The table of engines and the picker: a kernel is computed by the first
 * engine in ENGINES that applies to the run (engines/: one file each, with
 * when it applies, its memory and its computation). Commands build a
 * RunConfig, plan it (the engine, and its memory for the guard), compute, and
 * write what it returns; no file I/O happens here (a kernel given a sink
 * writes there). engines/run.ts draws or reads the run's network and inputs.
 */
import { analyticEngine } from './engines/analytic';
import { deviceEngine } from './engines/device';
import { fullOutputsEngine } from './engines/fullOutputs';
import { naiveEngine } from './engines/naive';
import { structuredEngine } from './engines/structured';
import { checkFinite, checkRunConfig, drain, kernelShape, modelAndInputs, runInputs } from './engines/run';
import { RUNTIME_BYTES, RunConfigError, type Engine, type MemoryEstimate, type NetworkSpec, type NtkResult, type RunConfig, type RunEnvironment, type RunInputs } from './engines/types';
import { workersEngine } from './engines/workers';
import { openLinalg, timedLinalg } from './linalg';
import type { InfiniteSpec } from './kernel/analytic';
import type { Trace } from './kernel/trace';
import type { Linalg } from './linalg/types';
import { finiteWidth, INFINITE_WIDTH } from './model/architecture';
import { specsOf, type Network } from './model/network';
import { deviceForRun } from './tfjs/webgpu';
import { activateBackend, wasmRefusal } from './tfjs/backend';
import type { KernelSink, Samples } from './types';

export { METHODS, RunConfigError, type Method, type MemoryEstimate, type NetworkSpec, type NtkResult, type RunConfig } from './engines/types';
export { checkRunConfig, inputDimOf, kernelShape, modelAndInputs, runInputs, type KernelShape } from './engines/run';

/** The engines, in the order they are tried: the first that applies computes the kernel. Adding one is its file and a line here. */
export const ENGINES: readonly Engine[] = [analyticEngine, deviceEngine, fullOutputsEngine, naiveEngine, workersEngine, structuredEngine];

/** The engine for a run in an environment. */
export function pickEngine(config: RunConfig, environment: RunEnvironment): Engine {
  const engine = ENGINES.find((e) => e.applies(config, environment));
  if (!engine) throw new RunConfigError('no engine computes this kernel');
  return engine;
}

/**
 * The kernel of `config` in memory, at once, on this thread: the first engine
 * in the table that applies and computes that way (experiments that compute
 * many small kernels: converge, drift, angle).
 */
export function kernelNow(config: RunConfig, environment: RunEnvironment): Float32Array | Float64Array {
  checkRunConfig(config);
  const engine = ENGINES.find((e) => e.computeNow && e.applies(config, environment));
  if (!engine) throw new RunConfigError('no engine computes this kernel on this thread');
  const run: RunInputs = config.network.width.kind === 'finite' ? modelAndInputs(config) : { model: null, inputs: runInputs(config) };
  return engine.computeNow!(config, environment, run);
}

/** Kernels of given networks, or at infinite width, on given inputs: what the experiments ask of the engines. */
export interface KernelSource {
  /** Θ(X, Y) of a network (Y = X when null), traced over its outputs. */
  empirical(model: Network, x: Samples, y: Samples | null, trace?: Trace): Float32Array;
  /** The infinite-width NTK of a network (hidden width infinite), traced over its outputs as `spec.trace` says. */
  infinite(spec: InfiniteSpec, x: Samples, y: Samples | null): Float64Array;
}

/** Kernel computations on the host's products, through the engine table. */
export function kernelSource(linalg: Linalg, backend: RunEnvironment['backend']): KernelSource {
  const environment: RunEnvironment = { linalg: timedLinalg(linalg), backend, device: null };
  const base = { kernel: 'ntk' as const, seed: 0n, method: 'structured' as const, backend: 'auto' as const, linalg: 'auto' as const, threads: 1 };
  return {
    empirical(model, x, y, trace = 'sum') {
      const network: NetworkSpec = { architecture: { input: model.input, layers: specsOf(model) }, width: finiteWidth(0), parameterization: 'standard', sigmaW: 1, sigmaB: 1 };
      const config: RunConfig = { ...base, network, trace, samples: x.count, model, inputs: x, inputs2: y ?? undefined };
      return kernelNow(config, environment) as Float32Array;
    },
    infinite(spec, x, y) {
      const network: NetworkSpec = { architecture: spec.architecture, width: INFINITE_WIDTH, parameterization: 'ntk', sigmaW: spec.sigmaW, sigmaB: spec.sigmaB };
      const config: RunConfig = { ...base, network, trace: spec.trace ?? 'sum', samples: x.count, inputs: x, inputs2: y ?? undefined, quadrature: spec.quadrature?.nodes };
      return kernelNow(config, environment) as Float64Array;
    },
  };
}

/** Where a run's work can go: a WebGPU device where one is wanted and found, else the host's products (none at infinite width). */
export async function runEnvironment(config: RunConfig): Promise<RunEnvironment> {
  if (config.network.width.kind === 'infinite') return { linalg: null, backend: null, device: null };
  const traced = config.method === 'structured' && config.trace !== 'none';
  const { rows, cols } = kernelShape(config);
  const device = traced ? await deviceForRun(config.backend, config.linalg, rows * cols) : null;
  if (device) return { linalg: null, backend: 'webgpu', device };
  // Autodiff on TensorFlow.js: of every parameter (--method naive), or of an ONNX graph's outputs (layers/graph.ts).
  const layers = config.model?.layers ?? config.network.architecture.layers;
  const autodiff = config.method === 'naive' ? 'weights' : layers.some((layer) => layer.kind === 'graph') ? 'outputs' : null;
  const notWasm = autodiff ? wasmRefusal(layers, autodiff === 'weights') : null;
  const opened = await openLinalg(config.linalg, config.threads, config.backend, notWasm);
  const backend = opened.backend ?? (autodiff ? await activateBackend(config.backend, notWasm) : null);
  return { linalg: timedLinalg(opened.linalg), backend, device: null };
}

/** A run ready to compute: its engine and environment, and the memory the engine will need. */
export interface RunPlan {
  engine: Engine;
  environment: RunEnvironment;
  memory(keepsMatrix: boolean): MemoryEstimate;
}

export async function planRun(config: RunConfig): Promise<RunPlan> {
  checkRunConfig(config);
  const environment = await runEnvironment(config);
  const engine = pickEngine(config, environment);
  return { engine, environment, memory: (keepsMatrix) => withRuntime(engine.memory(config, environment, keepsMatrix)) };
}

function withRuntime(parts: Record<string, number>): MemoryEstimate {
  const all = { runtime: RUNTIME_BYTES, ...parts };
  return { total: Object.values(all).reduce((a, b) => a + b, 0), parts: all };
}

/**
 * An upper estimate of a run's peak resident memory, by part, for products
 * on `linalgName` (without starting anything: the engine is picked as if no
 * device were found).
 */
export function estimateMemory(config: RunConfig, keepsMatrix: boolean, linalgName: string): MemoryEstimate {
  checkRunConfig(config);
  const environment: RunEnvironment = {
    linalg: config.network.width.kind === 'infinite' ? null : { name: linalgName, gemm: () => undefined, syrk: () => undefined, seconds: () => 0 },
    backend: linalgName === 'tfjs' ? 'wasm' : null,
    device: null,
  };
  return withRuntime(pickEngine(config, environment).memory(config, environment, keepsMatrix));
}

/**
 * Compute the kernel of `config` (with the engine `plan` picked, or one picked
 * now). With a sink the kernel is written there (result.kernel is null);
 * without one it is returned.
 */
export async function computeNtk(config: RunConfig, sink: KernelSink | null = null, plan?: RunPlan): Promise<NtkResult> {
  const { engine, environment } = plan ?? (await planRun(config));
  const run: RunInputs = config.network.width.kind === 'finite' ? modelAndInputs(config) : { model: null, inputs: runInputs(config) };
  const result = await engine.compute(config, environment, run, sink);
  checkFinite(result);
  if (sink && result.kernel) {
    drain(sink, result.kernel, result.rows, result.cols);
    result.kernel = null;
  }
  return result;
}

