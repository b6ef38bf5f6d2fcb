/**
 * A float32 .npy file written in place by rows and blocks: the header first,
 * the file sized to its full length, then values written at their offsets
 * (by any thread, with positional writes), and finally fsync and an atomic
 * rename over the target. Until `commit`, the target is untouched.
 */
import * as fs from 'node:fs';
import { temporaryPathFor } from './atomicWrite';
import { npyHeader } from './npy';

export class NpyStream {
  readonly fd: number;
  readonly dataOffset: number;
  private readonly temp: string;
  private closed = false;

  constructor(readonly target: string, readonly shape: [number, number]) {
    this.temp = temporaryPathFor(target);
    const header = npyHeader('float32', shape);
    this.fd = fs.openSync(this.temp, 'wx', 0o644);
    try {
      fs.writeSync(this.fd, header, 0, header.length, 0);
      fs.ftruncateSync(this.fd, header.length + shape[0] * shape[1] * 4);
    } catch (error) {
      this.abort();
      throw error;
    }
    this.dataOffset = header.length;
  }

  /** Write `values` (whole rows) starting at row `row`. */
  writeRows(row: number, values: Float32Array): void {
    this.writeAt(row * this.shape[1], values);
  }

  /** Write `values` contiguously from cell `cell` (row-major index). */
  writeAt(cell: number, values: Float32Array): void {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done, this.dataOffset + cell * 4 + done);
  }

  /** Write a rows×cols block whose top-left cell is (row, col); `transpose` writes its transpose there instead. */
  writeBlock(row: number, col: number, values: Float32Array, rows: number, cols: number, transpose = false): void {
    if (!transpose) {
      for (let i = 0; i < rows; i++) this.writeAt((row + i) * this.shape[1] + col, values.subarray(i * cols, (i + 1) * cols));
      return;
    }
    const line = new Float32Array(rows);
    for (let j = 0; j < cols; j++) {
      for (let i = 0; i < rows; i++) line[i] = values[i * cols + j];
      this.writeAt((row + j) * this.shape[1] + col, line);
    }
  }

  commit(): void {
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.closed = true;
    fs.renameSync(this.temp, this.target);
  }

  abort(): void {
    if (!this.closed) fs.closeSync(this.fd);
    this.closed = true;
    fs.rmSync(this.temp, { force: true });
  }
}
