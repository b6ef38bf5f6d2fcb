/**
 * Preloaded with `node -r` to disturb the CLI as it writes the output whose
 * base name is NTK_TEST_AT: when it opens that output's temporary,
 * NTK_TEST_DO=interrupt sends SIGINT (handled when the event loop next turns,
 * as a user's Ctrl-C during a long computation is), and NTK_TEST_DO=directory
 * turns the target into a directory (as another process might meanwhile).
 */
// The module object itself (a namespace import's properties are read-only).
import fs from 'node:fs';
import * as path from 'node:path';

const target = process.env.NTK_TEST_AT ?? '';
const action = process.env.NTK_TEST_DO ?? '';
const open = fs.openSync;
let opened = 0;

(fs as { openSync: typeof fs.openSync }).openSync = function (file: fs.PathLike, ...rest: unknown[]) {
  const name = path.basename(String(file));
  // The second temporary opened for it: the first is the check of its directory, before any work.
  if (target && name.startsWith(`.${target}.`) && name.endsWith('.tmp') && ++opened === 2) {
    if (action === 'interrupt') process.kill(process.pid, 'SIGINT');
    if (action === 'directory') {
      const real = path.join(path.dirname(String(file)), target);
      fs.rmSync(real, { force: true });
      fs.mkdirSync(real);
    }
  }
  return (open as (...args: unknown[]) => number)(file, ...rest);
} as typeof fs.openSync;
