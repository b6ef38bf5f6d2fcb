/**
 * Preloaded with `node -r` to interrupt the CLI in the middle of synchronous
 * work, as a user's Ctrl-C during a long computation does: SIGINT is sent to
 * the process when it opens the temporary of the output named by
 * NTK_TEST_INTERRUPT_AT (a base name), and waits for the event loop.
 */
// The module object itself (a namespace import's properties are read-only).
import fs from 'node:fs';
import * as path from 'node:path';

const target = process.env.NTK_TEST_INTERRUPT_AT ?? '';
const open = fs.openSync;
let opened = 0;

(fs as { openSync: typeof fs.openSync }).openSync = function (file: fs.PathLike, ...rest: unknown[]) {
  const name = path.basename(String(file));
  // The second temporary opened for it: the first is the check of its directory, before any work.
  if (target && name.startsWith(`.${target}.`) && name.endsWith('.tmp') && ++opened === 2) process.kill(process.pid, 'SIGINT');
  return (open as (...args: unknown[]) => number)(file, ...rest);
} as typeof fs.openSync;
