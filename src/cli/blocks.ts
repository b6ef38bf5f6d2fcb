/** `kernel --rows a:b --cols c:d`: one block of a kernel, where it goes, and which run it belongs to. */
import type * as Crypto from 'node:crypto';
import { UsageError } from '../errors';
import type { BlockPlacement } from '../io/blocks';
import { modelAndInputs, runInputs, type RunConfig } from '../pipeline';
import { kindOf } from '../layers';
import type { Samples } from '../types';

/**
 * A digest of everything that decides a kernel's entries: the network (its
 * parameters and scales, or the infinite-width spec), all of the inputs, and
 * the kernel options. Blocks with different digests come from different runs.
 */
export function runFingerprint(config: RunConfig, inputs: Samples, columns: Samples | null): string {
  // node:crypto loads only for runs that write blocks (a few milliseconds of every other run's start-up).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hash = (require('node:crypto') as typeof Crypto).createHash('sha256');
  const bytes = (a: Float32Array) => hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const { network } = config;
  hash.update(JSON.stringify({ kernel: config.kernel, trace: config.trace, architecture: network.architecture, width: network.width, quadrature: config.quadrature ?? null }));
  if (network.width.kind === 'infinite') hash.update(JSON.stringify({ sigmaW: network.sigmaW, sigmaB: network.sigmaB }));
  else {
    for (const layer of modelAndInputs(config).model.layers) {
      // Each layer's sizes and scales, then its parameters.
      const { kind, ...rest } = layer as unknown as Record<string, unknown>;
      hash.update(JSON.stringify([kind, Object.fromEntries(Object.entries(rest).filter(([, v]) => !(v instanceof Float32Array)))]));
      for (const tensor of kindOf(layer).parameters(layer)) bytes(tensor.data);
    }
  }
  bytes(inputs.values);
  if (columns) bytes(columns.values);
  return hash.digest('hex');
}

/**
 * --rows a:b --cols c:d: the block of the full kernel, and the run that
 * computes it, the cross-kernel of the two slices of the inputs (`drawn`: the
 * whole X, where the caller has drawn it already). `config` stays the whole
 * run's.
 */
export function selectBlock(config: RunConfig, rowRange?: [number, number], colRange?: [number, number], drawn?: Samples): { placement: BlockPlacement; config: RunConfig } | null {
  if (!rowRange && !colRange) return null;
  const inputs = drawn ?? runInputs(config);
  const columns = config.inputs2 ?? inputs;
  const rows = rowRange ?? [0, inputs.count];
  const cols = colRange ?? [0, columns.count];
  if (rows[1] > inputs.count) throw new UsageError(`--rows ${rows.join(':')} runs past the ${inputs.count} samples`);
  if (cols[1] > columns.count) throw new UsageError(`--cols ${cols.join(':')} runs past the ${columns.count} samples`);
  const slice = (s: typeof inputs, [a, b]: [number, number]) => ({ values: s.values.slice(a * s.dim, b * s.dim), count: b - a, dim: s.dim });
  const symmetric = !config.inputs2;
  const fingerprint = runFingerprint(config, inputs, config.inputs2 ?? null);
  const placement: BlockPlacement = { rows, cols, shape: [inputs.count, columns.count], symmetric, fingerprint };
  const inputs2 = symmetric && rows[0] === cols[0] && rows[1] === cols[1] ? undefined : slice(columns, cols);
  return { placement, config: { ...config, inputs: slice(inputs, rows), inputs2, samples: rows[1] - rows[0] } };
}

/**
 * --task slurm: the task of a Slurm job array, from the variables sbatch sets
 * (SLURM_ARRAY_TASK_ID counted from SLURM_ARRAY_TASK_MIN, of
 * SLURM_ARRAY_TASK_COUNT tasks).
 */
export function slurmTask(env: NodeJS.ProcessEnv): { index: number; count: number } {
  const read = (name: string) => {
    const value = env[name];
    if (value === undefined) throw new UsageError(`--task slurm: ${name} is not set (run it in a job array: sbatch --array=0-N)`);
    if (!/^\d+$/.test(value)) throw new UsageError(`--task slurm: ${name}=${value} is not a whole number`);
    return Number(value);
  };
  const id = read('SLURM_ARRAY_TASK_ID');
  const count = read('SLURM_ARRAY_TASK_COUNT');
  const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : read('SLURM_ARRAY_TASK_MIN');
  const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : read('SLURM_ARRAY_TASK_STEP');
  const index = (id - min) / Math.max(1, step);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) throw new UsageError(`--task slurm: task ${id} is not among the ${count} of the array (from ${min}, step ${step})`);
  return { index, count };
}
