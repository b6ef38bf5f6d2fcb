/**
 * Blocks of a kernel computed separately (`kernel --rows a:b --cols c:d`),
 * each a .npy with a sidecar `<file>.json` saying where it goes, and the plan
 * that `merge` follows to assemble them: every cell covered exactly once,
 * a missing block of a symmetric kernel filled from its mirror image.
 */

export interface BlockPlacement {
  /** [start, end) of the full kernel's rows and columns. */
  rows: [number, number];
  cols: [number, number];
  /** The full kernel's shape. */
  shape: [number, number];
  /** Whether the full kernel is Θ(X, X). */
  symmetric: boolean;
  /** A digest of the run (network, inputs, kernel options): blocks of different runs do not fit together. */
  fingerprint: string;
}

export interface PlacedBlock extends BlockPlacement {
  file: string;
}

export interface MergeStep {
  file: string;
  row: number;
  col: number;
  transpose: boolean;
}

export class BlockPlanError extends Error {}

const area = (rows: [number, number], cols: [number, number]) => (rows[1] - rows[0]) * (cols[1] - cols[0]);
const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

/** The writes that assemble the blocks into one matrix, or an error that says what is wrong. */
export function planMerge(blocks: PlacedBlock[]): { shape: [number, number]; steps: MergeStep[] } {
  if (blocks.length === 0) throw new BlockPlanError('no blocks');
  const { shape, symmetric } = blocks[0];
  for (const b of blocks) {
    if (b.shape[0] !== shape[0] || b.shape[1] !== shape[1] || b.symmetric !== symmetric) {
      throw new BlockPlanError(`${b.file} belongs to a ${b.shape.join('×')} kernel, ${blocks[0].file} to a ${shape.join('×')} one`);
    }
    if (b.fingerprint !== blocks[0].fingerprint) {
      throw new BlockPlanError(`${b.file} comes from another run than ${blocks[0].file} (its network, inputs or kernel options differ)`);
    }
  }
  const placed: { rows: [number, number]; cols: [number, number]; step: MergeStep }[] = blocks.map((b) => ({
    rows: b.rows,
    cols: b.cols,
    step: { file: b.file, row: b.rows[0], col: b.cols[0], transpose: false },
  }));
  if (symmetric) {
    // Mirror each off-diagonal block whose transposed place no block covers.
    for (const b of [...placed]) {
      if (b.rows[0] === b.cols[0] && b.rows[1] === b.cols[1]) continue;
      const mirrored = placed.some((p) => overlaps(p.rows, b.cols) && overlaps(p.cols, b.rows));
      if (!mirrored) placed.push({ rows: b.cols, cols: b.rows, step: { ...b.step, row: b.cols[0], col: b.rows[0], transpose: true } });
    }
  }
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      if (overlaps(placed[i].rows, placed[j].rows) && overlaps(placed[i].cols, placed[j].cols)) {
        throw new BlockPlanError(`${placed[i].step.file} and ${placed[j].step.file} overlap${placed[i].step.transpose || placed[j].step.transpose ? ' (counting mirror images)' : ''}`);
      }
    }
  }
  const covered = placed.reduce((sum, p) => sum + area(p.rows, p.cols), 0);
  if (covered !== shape[0] * shape[1]) {
    throw new BlockPlanError(`the blocks cover ${covered} of the ${shape[0] * shape[1]} cells of the ${shape.join('×')} kernel`);
  }
  return { shape, steps: placed.map((p) => p.step) };
}
