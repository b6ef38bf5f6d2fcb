/**
 * A digest of a block's values, recorded in its placement when the block is
 * written, so that `merge` can tell the block from a file that took its place
 * later (recomputed with other flags, or copied from another block): sha256 of
 * the values as float32, little-endian (the merged kernel's element type).
 */
import { createHash, type Hash } from 'node:crypto';
import { npyRowChunks } from './npyRows';

class ValuesDigest {
  private readonly hash: Hash = createHash('sha256');

  add(values: Float32Array | Float64Array): this {
    const single = values instanceof Float32Array ? values : Float32Array.from(values);
    this.hash.update(new Uint8Array(single.buffer, single.byteOffset, single.byteLength));
    return this;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/** The digest of values in memory. */
export function valuesDigest(values: Float32Array | Float64Array): string {
  return new ValuesDigest().add(values).hex();
}

/** The digest of a C-ordered .npy matrix's values, read from `file` by rows. */
export function npyValuesDigest(file: string): string {
  const chunks = npyRowChunks(file);
  if (!chunks) throw new Error(`${file}: not a C-ordered matrix`);
  const digest = new ValuesDigest();
  chunks.forEachChunk((_start, values, rows) => digest.add(values.subarray(0, rows * chunks.cols)));
  return digest.hex();
}
