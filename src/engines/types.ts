/**
 * What a kernel computation is asked (RunConfig), what it gives (NtkResult),
 * and the shape of an engine: one way of computing a kernel, which says when
 * it applies, how much memory it needs, and computes. pipeline.ts holds the
 * table of engines and picks the first that applies.
 */
import type { KernelKind } from '../kernel/analytic';
import type { KernelStats } from '../kernel/stats';
import type { Trace } from '../kernel/trace';
import type { InitOptions } from '../layers';
import type { LinalgChoice } from '../linalg';
import type { Linalg } from '../linalg/types';
import type { Architecture, Width } from '../model/architecture';
import type { Network } from '../model/network';
import type { BackendChoice, BackendName } from '../tfjs/backend';
import type { GpuAdapter } from '../tfjs/webgpu';
import type { KernelSink, Samples } from '../types';
import type { Tile } from '../kernel/tiles';
import type * as TF from '@tensorflow/tfjs';

export const METHODS = ['structured', 'naive'] as const;
export type Method = (typeof METHODS)[number];

/** The network a run computes the kernel of, before its parameters are drawn (InitOptions: how they would be). */
export interface NetworkSpec extends InitOptions {
  architecture: Architecture;
  /** The hidden width: finite, or infinite (the analytic kernel, no parameters). */
  width: Width;
}

export interface RunConfig {
  network: NetworkSpec;
  kernel: KernelKind;
  samples: number;
  seed: bigint;
  method: Method;
  trace: Trace;
  backend: BackendChoice;
  linalg: LinalgChoice;
  /** OpenBLAS threads, or TensorFlow.js worker threads (wasm and cpu backends). */
  threads: number;
  /** A network read from a file; otherwise one is drawn from `network` and `seed`. */
  model?: Network;
  /** Where `model` was read from, for reports: a state dict (--weights) or an ONNX model (--model). */
  modelSource?: { flag: '--weights' | '--model'; file: string };
  /** Inputs read from a file; otherwise `samples` rows are drawn with torch.randn after the model. */
  inputs?: Samples;
  /** Where `inputs` came from, for reports (a file when absent). */
  inputsSource?: 'circle' | 'dataset';
  /** Second inputs: the result is the cross-kernel Θ(X, Y). */
  inputs2?: Samples;
  /** Nodes per axis for infinite-width kernels by quadrature (default: adaptive). */
  quadrature?: number;
  /** Put each drawn input on the unit sphere (divide its row by its norm). */
  normalizeInputs?: boolean;
  /**
   * Only these tiles of the kernel's tile plan (kernel --task): computed with
   * the same products, on the same rows, as a run of the whole kernel, so
   * they are the same bits. The structured engine computes them.
   */
  tiles?: Tile[];
  /** Fraction of the kernel done, for progress bars. */
  onProgress?: (fraction: number) => void;
}

export interface NtkResult {
  /** The network, or null for the infinite-width kernel. */
  model: Network | null;
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
  /** Computed by quadrature: its entries are as accurate as the quadrature (analysis/spectrum.ts's floor), not as their float type. */
  byQuadrature: boolean;
  /** The engine that computed it (pipeline.ts's table). */
  engine: string;
  kernelSeconds: number;
  /** Of kernelSeconds, the time in matrix products on this thread (null where they ran elsewhere). */
  productSeconds: number | null;
  stats: KernelStats;
}

/** A RunConfig the core cannot compute: the one-line reason. */
export class RunConfigError extends Error {}

/** Where a run's work can go, found before the engine is picked. */
export interface RunEnvironment {
  /** The host's products (null at infinite width, where none run). */
  linalg: (Linalg & { seconds(): number }) | null;
  /** The TensorFlow.js backend behind a 'tfjs' linalg, else null. */
  backend: BackendName | null;
  /** A WebGPU device the kernel goes to, or null. */
  device: { tf: typeof TF; adapter: GpuAdapter } | null;
}

/** A run's network and inputs, once drawn or read. */
export interface RunInputs {
  model: Network | null;
  inputs: Samples;
}

/** What a run keeps in memory, in bytes, by part: what the memory guard compares with the budget. */
export interface MemoryEstimate {
  total: number;
  parts: Record<string, number>;
}

export const MB = 1 << 20;

/** Node, TensorFlow.js and the native libraries before any kernel: the part of every estimate that does not grow. */
export const RUNTIME_BYTES = 250 * MB;

export interface Engine {
  name: string;
  /** Whether this engine computes `config` where the environment is as it is. */
  applies(config: RunConfig, environment: RunEnvironment): boolean;
  /** Its peak memory beyond the runtime, by part; `keepsMatrix`: the n × m matrix stays in memory (a picture). */
  memory(config: RunConfig, environment: RunEnvironment, keepsMatrix: boolean): Record<string, number>;
  /** The kernel, into `sink` when one is given (result.kernel null), else returned. */
  compute(config: RunConfig, environment: RunEnvironment, run: RunInputs, sink: KernelSink | null): Promise<NtkResult>;
  /**
   * The kernel in memory, on this thread, at once: for experiments that compute
   * many small kernels (some in the middle of training). Engines that need
   * other threads or a device have none.
   */
  computeNow?(config: RunConfig, environment: RunEnvironment, run: RunInputs): Float32Array | Float64Array;
}
