/** `kernel --rows a:b --cols c:d`: one block of a kernel, where it goes, and which run it belongs to. */
import { createHash } from 'node:crypto';
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
  const hash = createHash('sha256');
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
 * --rows a:b --cols c:d: restrict the run to that block of the full kernel, by
 * computing the cross-kernel of the two slices of the inputs.
 */
export function selectBlock(config: RunConfig, rowRange?: [number, number], colRange?: [number, number]): BlockPlacement | null {
  if (!rowRange && !colRange) return null;
  const inputs = runInputs(config);
  const columns = config.inputs2 ?? inputs;
  const rows = rowRange ?? [0, inputs.count];
  const cols = colRange ?? [0, columns.count];
  if (rows[1] > inputs.count) throw new UsageError(`--rows ${rows.join(':')} runs past the ${inputs.count} samples`);
  if (cols[1] > columns.count) throw new UsageError(`--cols ${cols.join(':')} runs past the ${columns.count} samples`);
  const slice = (s: typeof inputs, [a, b]: [number, number]) => ({ values: s.values.slice(a * s.dim, b * s.dim), count: b - a, dim: s.dim });
  const symmetric = !config.inputs2;
  const fingerprint = runFingerprint(config, inputs, config.inputs2 ?? null);
  const placement: BlockPlacement = { rows, cols, shape: [inputs.count, columns.count], symmetric, fingerprint };
  config.inputs = slice(inputs, rows);
  config.inputs2 = symmetric && rows[0] === cols[0] && rows[1] === cols[1] ? undefined : slice(columns, cols);
  config.samples = rows[1] - rows[0];
  return placement;
}
