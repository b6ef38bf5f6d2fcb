/**
 * Preloaded with `node -r` to run the CLI as if the disk filled up while it
 * wrote one output: writes to the temporary of the file named by
 * NTK_TEST_DISK_FULL_AT (a base name) fail with ENOSPC, as a full disk's do.
 */
// The module object itself (a namespace import's properties are read-only).
import fs from 'node:fs';
import * as path from 'node:path';

const target = process.env.NTK_TEST_DISK_FULL_AT ?? '';
const full = new Set<number>();
const open = fs.openSync;
const write = fs.writeSync;
const close = fs.closeSync;

(fs as { openSync: typeof fs.openSync }).openSync = function (file: fs.PathLike, ...rest: unknown[]) {
  const fd = (open as (...args: unknown[]) => number)(file, ...rest);
  const name = path.basename(String(file));
  if (target && name.startsWith(`.${target}.`) && name.endsWith('.tmp')) full.add(fd);
  return fd;
} as typeof fs.openSync;

(fs as { writeSync: typeof fs.writeSync }).writeSync = function (fd: number, ...rest: unknown[]) {
  if (full.has(fd)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  return (write as (...args: unknown[]) => number)(fd, ...rest);
} as typeof fs.writeSync;

// A closed descriptor's number is given to the next file opened.
(fs as { closeSync: typeof fs.closeSync }).closeSync = function (fd: number) {
  full.delete(fd);
  close(fd);
};
