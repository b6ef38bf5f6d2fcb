/** Output paths: checked before any work, so a long run never ends in an unwritable file, then written atomically. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { writeFileAtomic } from '../io/atomicWrite';

/** Write `bytes` to `file` atomically; a failure becomes one line naming the flag and file. */
export function writeOutput(flag: string, file: string, bytes: Uint8Array): void {
  try {
    writeFileAtomic(file, bytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the device' : (error as Error).message;
    throw new InputError(`${flag} ${file}: cannot write: ${reason}`);
  }
}

export function checkWritableTarget(flag: string, file: string): void {
  const dir = path.dirname(path.resolve(file));
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError(`${flag} ${file}: directory ${dir} ${missing ? 'does not exist' : 'cannot be reached (permission denied)'}`);
  }
  if (!dirStat.isDirectory()) throw new InputError(`${flag} ${file}: ${dir} is not a directory`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InputError(`${flag} ${file}: is a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new InputError(`${flag} ${file}: directory ${dir} is not writable`);
  }
}
