/** `kernel --rows a:b --cols c:d`: one block of a kernel, and where it goes. */
import { UsageError } from '../errors';
import type { BlockPlacement } from '../io/blocks';
import { runInputs, type RunConfig } from '../pipeline';

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
  const placement: BlockPlacement = { rows, cols, shape: [inputs.count, columns.count], symmetric };
  config.inputs = slice(inputs, rows);
  config.inputs2 = symmetric && rows[0] === cols[0] && rows[1] === cols[1] ? undefined : slice(columns, cols);
  config.samples = rows[1] - rows[0];
  return placement;
}
