/** `kernel --rows a:b --cols c:d`: one block of a kernel, where it goes, and which run it belongs to. */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors';
import type { BlockPlacement } from '../io/blocks';
import { modelAndInputs, runInputs, type RunConfig } from '../pipeline';
import type { Samples } from '../types';

/**
 * A digest of everything that decides a kernel's entries: the network (its
 * parameters and scales, or the infinite-width spec), all of the inputs, and
 * the kernel options. Blocks with different digests come from different runs.
 */
export function runFingerprint(config: RunConfig, inputs: Samples, columns: Samples | null): string {
  const hash = createHash('sha256');
  const bytes = (a: Float32Array) => hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const { shape } = config;
  hash.update(JSON.stringify({ kernel: config.kernel, trace: config.trace, activation: shape.activation, width: String(shape.width), quadrature: config.quadrature ?? null }));
  if (shape.width === Infinity) hash.update(JSON.stringify({ depth: shape.depth, outputs: shape.outputDim, sigmaW: shape.sigmaW, sigmaB: shape.sigmaB }));
  else {
    for (const layer of modelAndInputs(config).model.layers) {
      hash.update(JSON.stringify([layer.inDim, layer.outDim, layer.weightScale, layer.biasScale]));
      bytes(layer.weight);
      if (layer.bias) bytes(layer.bias);
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
