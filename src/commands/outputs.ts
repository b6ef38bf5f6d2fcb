/** Checks on output paths made before any work, so a long run never ends in an unwritable file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';

export function checkWritableTarget(flag: string, file: string): void {
  const dir = path.dirname(path.resolve(file));
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    throw new InputError(`${flag} ${file}: directory ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new InputError(`${flag} ${file}: ${dir} is not a directory`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InputError(`${flag} ${file}: is a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new InputError(`${flag} ${file}: directory ${dir} is not writable`);
  }
}
