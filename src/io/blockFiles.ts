/**
 * A kernel sink that keeps only some blocks of the kernel, each in its own
 * .npy (kernel --task: a task's tiles, one file per tile row they touch).
 * Tiles arrive in the kernel's coordinates and go to the file whose block
 * holds them; mirror images (the lower triangle) are left to `merge`.
 */
import type { KernelSink, MatrixView } from '../types';
import type { StagedFile } from './atomicWrite';
import { NpyStream } from './npyStream';
import type { TaskBlock } from './tasks';

export class BlockFilesSink implements KernelSink {
  readonly streams: NpyStream[] = [];

  /** Opens one .npy per block (files[k] for blocks[k]); shape: the whole kernel's. */
  constructor(readonly blocks: TaskBlock[], files: string[], shape: [number, number]) {
    [this.rows, this.cols] = shape;
    try {
      blocks.forEach((b, k) => this.streams.push(new NpyStream(files[k]!, [b.rows[1] - b.rows[0], b.cols[1] - b.cols[0]])));
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  readonly rows: number;
  readonly cols: number;

  writeBlock(row: number, col: number, block: MatrixView, transpose: boolean): void {
    if (transpose) return;
    const k = this.blocks.findIndex((b) => b.rows[0] <= row && row + block.rows <= b.rows[1] && b.cols[0] <= col && col + block.cols <= b.cols[1]);
    if (k < 0) throw new RangeError(`a tile at (${row}, ${col}) outside this task's blocks`);
    const b = this.blocks[k]!;
    this.streams[k]!.writeBlock(row - b.rows[0], col - b.cols[0], block, false);
  }

  /** Every block's file on disk, staged (in the order of `blocks`). */
  async seal(): Promise<StagedFile[]> {
    const staged: StagedFile[] = [];
    for (const stream of this.streams) staged.push(await stream.seal());
    return staged;
  }

  abort(): void {
    for (const stream of this.streams) stream.abort();
  }
}
