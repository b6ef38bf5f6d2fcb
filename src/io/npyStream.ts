/**
 * A float32 .npy file written in place by blocks: the header first, the file
 * sized to its full length, then blocks written at their offsets (by any
 * thread, with positional writes), and finally fsync and an atomic rename over
 * the target. Until `commit`, the target is untouched.
 */
import * as fs from 'node:fs';
import { checkPlacement, type KernelSink, type MatrixView, type SharedSink } from '../types';
import { discardTemporary, finishTemporary, openTemporary, resolveTarget } from './atomicWrite';
import { npyHeader } from './npy';

/** Blocks into an open float32 .npy whose data starts at `dataOffset`: the one block writer for files. */
export class NpyFileSink implements KernelSink {
  readonly rows: number;
  readonly cols: number;

  constructor(readonly fd: number, readonly dataOffset: number, shape: [number, number]) {
    [this.rows, this.cols] = shape;
  }

  shared(): SharedSink {
    return { kind: 'file', rows: this.rows, cols: this.cols, fd: this.fd, dataOffset: this.dataOffset };
  }

  /** Write `values` contiguously from cell `cell` (row-major index). */
  private writeAt(cell: number, values: Float32Array): void {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done, this.dataOffset + cell * 4 + done);
  }

  writeBlock(row: number, col: number, block: MatrixView, transpose: boolean): void {
    const [h, w] = transpose ? [block.cols, block.rows] : [block.rows, block.cols];
    checkPlacement(this, row, col, h, w);
    const ld = block.ld ?? block.cols;
    if (!transpose) {
      for (let i = 0; i < block.rows; i++) this.writeAt((row + i) * this.cols + col, block.data.subarray(i * ld, i * ld + block.cols));
      return;
    }
    // Column j of the block is row `row + j` of the file from `col` on: one positional write each.
    const line = new Float32Array(block.rows);
    for (let j = 0; j < block.cols; j++) {
      for (let i = 0; i < block.rows; i++) line[i] = block.data[i * ld + j];
      this.writeAt((row + j) * this.cols + col, line);
    }
  }
}

/**
 * Start flushing what has been written once this many bytes have piled up:
 * the disk writes them while the kernel computes, and the fsync at commit has
 * little left to wait for.
 */
const FLUSH_BYTES = 256 << 20;

/** The whole file: a temporary beside the target (a symbolic link's target), renamed over it on commit. */
export class NpyStream extends NpyFileSink {
  private readonly temp: string;
  private readonly real: string;
  private closed = false;
  private unflushed = 0;
  private readonly flushes: Promise<void>[] = [];

  constructor(readonly target: string, shape: [number, number]) {
    const real = resolveTarget(target);
    const { fd, temp } = openTemporary(real);
    const header = npyHeader('float32', shape);
    try {
      fs.writeSync(fd, header, 0, header.length, 0);
      fs.ftruncateSync(fd, header.length + shape[0] * shape[1] * 4);
    } catch (error) {
      discardTemporary(fd, temp);
      throw error;
    }
    super(fd, header.length, shape);
    this.temp = temp;
    this.real = real;
  }

  writeBlock(row: number, col: number, block: MatrixView, transpose: boolean): void {
    super.writeBlock(row, col, block, transpose);
    this.unflushed += block.rows * block.cols * 4;
    if (this.unflushed >= FLUSH_BYTES) {
      this.unflushed = 0;
      // Errors surface in commit's own fsync.
      this.flushes.push(new Promise((resolve) => fs.fdatasync(this.fd, () => resolve())));
    }
  }

  async commit(): Promise<void> {
    await Promise.all(this.flushes);
    finishTemporary(this.fd, this.temp, this.real);
    this.closed = true;
  }

  abort(): void {
    discardTemporary(this.closed ? null : this.fd, this.temp);
    this.closed = true;
  }
}
