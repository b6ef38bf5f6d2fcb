/**
 * A float32 .npy file written in place by blocks: the header first, the file
 * sized to its full length, then blocks written at their offsets (by any
 * thread, with positional writes: kernel/sink.ts's FileSink), and finally
 * fsync: `seal` stages the temporary, for the caller to rename over the
 * target (atomicWrite.ts). The target is untouched until then.
 */
import fs = require('node:fs');
import { FileSink } from '../kernel/sink';
import type { MatrixView } from '../types';
import { discardTemporary, openTemporary, resolveTarget, sealTemporary, writtenInPlace, type StagedFile } from './atomicWrite';
import { npyHeader } from './npy';

/**
 * Start flushing what has been written once this many bytes have piled up:
 * the disk writes them while the kernel computes, and the fsync at commit has
 * little left to wait for.
 */
const FLUSH_BYTES = 256 << 20;

/** The whole file: a temporary beside the target (a symbolic link's target), staged by `seal`. */
export class NpyStream extends FileSink {
  private readonly temp: string;
  private readonly real: string;
  private closed = false;
  private unflushed = 0;
  private readonly flushes: Promise<void>[] = [];

  constructor(readonly target: string, shape: [number, number]) {
    // Renamed over, a device or a pipe would become a regular file.
    if (writtenInPlace(target)) throw new Error(`${target} is not a regular file: a streamed .npy is written beside it and renamed over it`);
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
    this.flushFrom(block);
  }

  writeBlockLater(row: number, col: number, block: MatrixView, transpose: boolean): void {
    super.writeBlockLater(row, col, block, transpose);
    this.flushFrom(block);
  }

  /** Count the block's bytes, and start a flush when enough have piled up. */
  private flushFrom(block: MatrixView): void {
    this.unflushed += block.rows * block.cols * 4;
    if (this.unflushed >= FLUSH_BYTES) {
      this.unflushed = 0;
      // Errors surface in commit's own fsync.
      this.flushes.push(new Promise((resolve) => fs.fdatasync(this.fd, () => resolve())));
    }
  }

  /** Every block written and on disk: the temporary, staged to replace the target. */
  async seal(): Promise<StagedFile> {
    await this.written();
    await Promise.all(this.flushes);
    const staged = sealTemporary(this.fd, this.temp, this.real);
    this.closed = true;
    return staged;
  }

  abort(): void {
    if (this.closed) return discardTemporary(null, this.temp);
    this.closed = true;
    discardTemporary(null, this.temp);
    // Writes still on libuv's threads finish into the unlinked file before the descriptor closes (its number could be reused).
    const fd = this.fd;
    void Promise.all([this.written().catch(() => undefined), ...this.flushes]).then(() => discardTemporary(fd, this.temp));
  }
}
