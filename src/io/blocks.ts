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
  /** sha256 of the block's values as float32 (blockValues.ts); absent in placements of older ntk-cli versions. */
  values_sha256?: string;
}

export interface PlacedBlock extends BlockPlacement {
  file: string;
}

/** One write of the merge: the part [r0, r1) × [c0, c1) of a block (its own coordinates), at (row, col), transposed or not. */
export interface MergeStep {
  file: string;
  row: number;
  col: number;
  transpose: boolean;
  part: { r0: number; r1: number; c0: number; c1: number };
}

export class BlockPlanError extends Error {}

type Range = [number, number];

const overlaps = (a: Range, b: Range) => a[0] < b[1] && b[0] < a[1];
const contains = (a: Range, lo: number, hi: number) => a[0] <= lo && hi <= a[1];

/** The sorted distinct edges of some ranges within [0, n]. */
function edges(ranges: Range[], n: number): number[] {
  return [...new Set([0, n, ...ranges.flat()])].sort((a, b) => a - b);
}

/** A non-empty range inside [0, n]. */
function rangeWithin(range: Range, n: number): boolean {
  return range[0] >= 0 && range[0] < range[1] && range[1] <= n;
}

/** Missing cells as at most three rectangles "rows a:b × cols c:d", and how many more. */
function describeGaps(gaps: [Range, Range][]): string {
  const shown = gaps.slice(0, 3).map(([r, c]) => `rows ${r[0]}:${r[1]} × cols ${c[0]}:${c[1]}`);
  return shown.join(', ') + (gaps.length > 3 ? ` and ${gaps.length - 3} more` : '');
}

/**
 * The writes that assemble the blocks into one matrix, or an error that says
 * what is wrong. Blocks may not overlap. In a symmetric kernel a cell no block
 * covers is taken from the mirror image of a block that covers its transpose
 * (a whole missing lower block, or the lower part of a block that straddles
 * the diagonal's other side); cells covered by neither are named.
 */
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
    if (!rangeWithin(b.rows, shape[0]) || !rangeWithin(b.cols, shape[1])) {
      throw new BlockPlanError(`${b.file}: its placement (rows ${b.rows.join(':')}, cols ${b.cols.join(':')}) is not a block of the ${shape.join('×')} kernel`);
    }
  }
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      if (overlaps(blocks[i].rows, blocks[j].rows) && overlaps(blocks[i].cols, blocks[j].cols)) throw new BlockPlanError(`${blocks[i].file} and ${blocks[j].file} overlap`);
    }
  }
  const steps: MergeStep[] = blocks.map((b) => ({ file: b.file, row: b.rows[0], col: b.cols[0], transpose: false, part: { r0: 0, r1: b.rows[1] - b.rows[0], c0: 0, c1: b.cols[1] - b.cols[0] } }));
  // Cut the matrix along every block edge (and, when symmetric, every mirrored edge): each piece is wholly
  // inside or outside every block and every mirror image, so it is covered directly, by a mirror, or not at all.
  const rowRanges = blocks.flatMap((b) => (symmetric ? [b.rows, b.cols] : [b.rows]));
  const colRanges = blocks.flatMap((b) => (symmetric ? [b.cols, b.rows] : [b.cols]));
  const rowEdges = edges(rowRanges, shape[0]);
  const colEdges = edges(colRanges, shape[1]);
  const gaps: [Range, Range][] = [];
  for (let i = 0; i + 1 < rowEdges.length; i++) {
    const [r0, r1] = [rowEdges[i], rowEdges[i + 1]];
    for (let j = 0; j + 1 < colEdges.length; j++) {
      const [c0, c1] = [colEdges[j], colEdges[j + 1]];
      if (blocks.some((b) => contains(b.rows, r0, r1) && contains(b.cols, c0, c1))) continue;
      const mirror = symmetric ? blocks.find((b) => contains(b.rows, c0, c1) && contains(b.cols, r0, r1)) : undefined;
      if (!mirror) {
        gaps.push([[r0, r1], [c0, c1]]);
        continue;
      }
      // Cell (r, c) is the block's (c, r): its part rows c0:c1 and columns r0:r1, written transposed at (r0, c0).
      const part = { r0: c0 - mirror.rows[0], r1: c1 - mirror.rows[0], c0: r0 - mirror.cols[0], c1: r1 - mirror.cols[0] };
      steps.push({ file: mirror.file, row: r0, col: c0, transpose: true, part });
    }
  }
  if (gaps.length) {
    const cells = gaps.reduce((sum, [r, c]) => sum + (r[1] - r[0]) * (c[1] - c[0]), 0);
    throw new BlockPlanError(`${cells} of the ${shape[0] * shape[1]} cells of the ${shape.join('×')} kernel are in no block${symmetric ? ' nor its mirror image' : ''}: ${describeGaps(gaps)}`);
  }
  return { shape, steps };
}
