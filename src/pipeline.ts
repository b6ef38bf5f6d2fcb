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
import { parameterCount, seededModelAndInputs, type Mlp, type MlpShape } from './model/mlp';

export const METHODS = ['structured', 'naive'] as const;
export type Method = (typeof METHODS)[number];

export interface RunConfig {
  shape: MlpShape;
  samples: number;
  seed: bigint;
  method: Method;
  trace: Trace;
  backend: BackendChoice;
}

export interface NtkResult {
  model: Mlp;
  inputs: Float32Array;
  /** Row-major [n, n]. */
  kernel: Float32Array;
  n: number;
  parameters: number;
  backend: string;
  kernelSeconds: number;
  stats: KernelStats;
}

export async function computeNtk(config: RunConfig): Promise<NtkResult> {
  const backend = await activateBackend(config.backend);
  const { model, inputs } = seededModelAndInputs(config.shape, config.samples, config.seed);
  const samples = { values: inputs, count: config.samples };
  const kernelFn = config.method === 'naive' ? naiveKernel : structuredKernel;
  const start = process.hrtime.bigint();
  const kernel = kernelFn(model, samples, null, { trace: config.trace });
  const kernelSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    model,
    inputs,
    kernel,
    n: config.samples,
    parameters: parameterCount(model),
    backend,
    kernelSeconds,
    stats: kernelStats(kernel, config.samples, config.samples),
  };
}
