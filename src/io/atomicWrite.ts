/**
 * Write a file so that readers see the old file or the complete new one, never
 * a part: write a temporary file in the same directory (so the rename cannot
 * cross file systems), fsync it, then rename it over the target.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A hidden temporary name beside `target` (same directory, so the final rename cannot cross file systems). */
export function temporaryPathFor(target: string): string {
  const dir = path.dirname(path.resolve(target));
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

export function writeFileAtomic(target: string, chunks: Uint8Array | Uint8Array[]): void {
  const temp = temporaryPathFor(target);
  const parts = Array.isArray(chunks) ? chunks : [chunks];
  let fd: number | null = null;
  try {
    fd = fs.openSync(temp, 'wx', 0o644);
    for (const part of parts) {
      let offset = 0;
      while (offset < part.length) offset += fs.writeSync(fd, part, offset, part.length - offset);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
