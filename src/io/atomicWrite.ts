/**
 * Write a file so that readers see the old file or the complete new one, never
 * a part: write a temporary file in the same directory (so the rename cannot
 * cross file systems), fsync it, then rename it over the target.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomic(target: string, chunks: Uint8Array | Uint8Array[]): void {
  const dir = path.dirname(path.resolve(target));
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
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
