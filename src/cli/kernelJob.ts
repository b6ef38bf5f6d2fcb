/**
 * The path of the commands that compute one kernel from the network flags
 * (`heatmap`, `kernel`, `spectrum`): the flags' sources into a RunConfig
 * (sources.ts), the engine that will compute it and the memory guard on that
 * engine's estimate, a progress bar, the kernel, and the report that follows.
 * They differ only in what they do with the result. (`predict` plans its run
 * the same way; the experiments — converge, drift, angle — ask the same
 * engine table for many small kernels through pipeline.ts's kernelSource.)
 */
import type { Command } from 'commander';
import { computeNtk, planRun, type NtkResult } from '../pipeline';
import type { KernelSink, Samples } from '../types';
import type { ModelFlags, RuntimeFlags } from './options';
import { runReport, type Report } from './report';
import { checkBackendFlag, checkMemory, progressBar, wantsProgress } from './runtime';
import { resolveSources, saveSources, type ResolvedSources, type SourceFlags } from './sources';

export type KernelJobFlags = ModelFlags & RuntimeFlags & SourceFlags;

export interface KernelJob extends ResolvedSources {
  /** process.hrtime.bigint() when the command started. */
  started: bigint;
  /** --quiet: no progress bar unless --progress asks for one. */
  quiet: boolean;
}

/** Read and check the flags' files into a RunConfig. */
export function startKernelJob(flags: KernelJobFlags, command: Command): KernelJob {
  const started = process.hrtime.bigint();
  const quiet = Boolean(command.optsWithGlobals().quiet);
  const sources = resolveSources(flags, command);
  checkBackendFlag(flags, command.getOptionValueSource('backend') === 'cli', quiet);
  return { ...sources, started, quiet };
}

export interface ComputeOptions {
  /** Whether the n × m matrix stays in memory (a picture) or goes to `sink` as it is computed. */
  keepsMatrix: boolean;
  sink?: KernelSink | null;
  /** What the memory guard suggests besides fewer samples and more --max-memory, ending in ', ' (or ''). */
  wayOut: string;
}

export async function computeKernel(job: KernelJob, flags: RuntimeFlags, options: ComputeOptions): Promise<NtkResult> {
  const { config } = job;
  const plan = await planRun(config);
  checkMemory(plan.memory(options.keepsMatrix), flags.maxMemory, `${options.wayOut}lower --samples, `);
  const progress = progressBar(wantsProgress(flags.progress, job.quiet), 'kernel');
  config.onProgress = progress.update;
  try {
    return await computeNtk(config, options.sink ?? null, plan);
  } finally {
    progress.stop();
  }
}

/** Save --save-model and --save-inputs, then the run's report with `outputs` (the files written). */
/** Save what the flags ask, and the run's report; `inputs`: the whole X where the run computed a block of the kernel over it. */
export function finishKernelJob(job: KernelJob, flags: KernelJobFlags, result: NtkResult, outputs: Record<string, string>, inputs: Samples = result.inputs): Report {
  const saved = saveSources(flags, job.config, result, inputs);
  const total = Number(process.hrtime.bigint() - job.started) / 1e9;
  const report = runReport(job.config, result, total, { ...outputs, ...saved });
  if (job.dataset) report.dataset = { name: job.dataset, n: result.inputs.count, d: result.inputs.dim };
  return report;
}
