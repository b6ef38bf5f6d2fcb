/**
 * Write a file so that readers see the old file or the complete new one, never
 * a part: write a temporary file in the same directory (so the rename cannot
 * cross file systems) and fsync it; it is then staged, and renamed over the
 * target when the caller says (cli/outputs.ts renames a run's outputs together,
 * once every one of them is written, so a failed run replaces none). A target that
 * is a symbolic link keeps the link: its target is what gets replaced. A
 * replaced file keeps its permission bits; a new one gets 0666 less the umask.
 * A target that is not a regular file (/dev/null, a named pipe, a shell's
 * `>(…)`) cannot be replaced and is written in place.
 */
import fs = require('node:fs');
import path = require('node:path');

/** Temporaries being written now: an interrupted run removes them (cli.ts's signal handlers). */
export const pendingTemporaries = new Set<string>();

let onFirstOutput: (() => void) | null = null;

/**
 * `install` runs once, when the run first has something a signal must not leave half done: a
 * temporary, outputs being put in place, a progress bar on the terminal (cli.ts installs its
 * signal handlers then). Until then a signal ends the run at once, as it ends any program: there
 * is nothing to remove, and a handler would wait for the computation to turn to the event loop,
 * which a training loop or an eigendecomposition does not do for minutes.
 */
export function whenOutputsStart(install: () => void): void {
  onFirstOutput = install;
}

/** Something a signal must not leave half done starts now (see whenOutputsStart). */
export function outputsStart(): void {
  const install = onFirstOutput;
  onFirstOutput = null;
  install?.();
}

/**
 * The file a write to `target` replaces: symbolic links followed (a dangling
 * one to the file it names, which the write creates), a missing file's
 * directory resolved.
 */
export function resolveTarget(target: string, links = 0): string {
  try {
    return fs.realpathSync(target);
  } catch {
    let link: string | null = null;
    try {
      if (fs.lstatSync(target).isSymbolicLink()) link = fs.readlinkSync(target);
    } catch {
      // not there at all
    }
    // Linux follows at most 40 links in a path (a loop is refused when the target is checked).
    // The link's text is relative to the directory it is in, as the system resolves it (that directory's own links followed).
    if (link !== null && links < 40) return resolveTarget(path.resolve(resolveTarget(path.dirname(path.resolve(target)), links + 1), link), links + 1);
    const dir = path.dirname(path.resolve(target));
    try {
      return path.join(fs.realpathSync(dir), path.basename(target));
    } catch {
      return path.resolve(target);
    }
  }
}

/** Whether `file` exists and is something other than a regular file or a directory (a device, a pipe, a socket). */
export function isSpecialFile(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    return !stat.isFile() && !stat.isDirectory();
  } catch {
    return false;
  }
}

/**
 * Whether `file` is a path to this process's standard output (/dev/stdout,
 * /proc/self/fd/1, the file stdout is redirected to). /dev/null is not:
 * whatever goes there is gone either way.
 */
export function isStandardOutput(file: string): boolean {
  try {
    const [target, stdout] = [fs.statSync(file), fs.fstatSync(1)];
    return target.dev === stdout.dev && target.ino === stdout.ino && !isDevNull(target);
  } catch {
    return false;
  }
}

function isDevNull(stat: fs.Stats): boolean {
  try {
    const devNull = fs.statSync('/dev/null');
    return stat.isCharacterDevice() && stat.rdev === devNull.rdev;
  } catch {
    return false;
  }
}

/** Whether a write to `file` goes where it is, not to a temporary renamed over it: a device, a pipe, or standard output. */
export function writtenInPlace(file: string): boolean {
  return isSpecialFile(file) || isStandardOutput(file);
}

/** A hidden temporary name beside `target` (same directory, so the final rename cannot cross file systems). */
export function temporaryPathFor(target: string): string {
  const dir = path.dirname(path.resolve(target));
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

/** The permission bits of an existing file, or undefined for a new one. */
export function existingMode(file: string): number | undefined {
  try {
    return fs.statSync(file).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** Open a temporary for `real` (registered until `finishTemporary`). */
export function openTemporary(real: string): { fd: number; temp: string } {
  outputsStart();
  const temp = temporaryPathFor(real);
  const fd = fs.openSync(temp, 'wx', 0o666);
  pendingTemporaries.add(temp);
  return { fd, temp };
}

/** A temporary written in full and on disk, waiting to be renamed over the file it replaces. */
export interface StagedFile {
  temp: string;
  /** The file it replaces (symbolic links followed). */
  real: string;
}

/** fsync, give the temporary the replaced file's mode and close it: staged, to be renamed over `real`. */
export function sealTemporary(fd: number, temp: string, real: string): StagedFile {
  const mode = existingMode(real);
  if (mode !== undefined) fs.fchmodSync(fd, mode);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return { temp, real };
}

/** Put a staged temporary in place of the file it replaces. */
export function renameStaged(staged: StagedFile): void {
  fs.renameSync(staged.temp, staged.real);
  pendingTemporaries.delete(staged.temp);
}

export function discardTemporary(fd: number | null, temp: string): void {
  if (fd !== null) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
  fs.rmSync(temp, { force: true });
  pendingTemporaries.delete(temp);
}

function writeAll(fd: number, parts: Iterable<Uint8Array>): void {
  for (const part of parts) {
    let offset = 0;
    while (offset < part.length) offset += fs.writeSync(fd, part, offset, part.length - offset);
  }
}

/** Where a write goes: a device, a pipe or standard output in place, else a temporary beside the target (its real file, links followed). */
interface Destination {
  fd: number;
  temp: string | null;
  real: string;
  /** Standard output's own descriptor, not to be closed. */
  borrowed?: boolean;
}

function openDestination(target: string): Destination {
  // Standard output redirected to a file is written through its own descriptor: where the shell's
  // redirection points (after what is there with >>), never truncated or replaced.
  const stdout = isStandardOutput(target);
  if (stdout && fs.fstatSync(1).isFile()) return { fd: 1, temp: null, real: target, borrowed: true };
  // A device or a pipe (standard output through a pipe included) is opened anew, in blocking mode.
  if (stdout || isSpecialFile(target)) return { fd: fs.openSync(target, 'w'), temp: null, real: target };
  const real = resolveTarget(target);
  return { ...openTemporary(real), real };
}

/** Written: a temporary is flushed and staged (null: the write went in place). */
function finishDestination(destination: Destination): StagedFile | null {
  if (destination.temp !== null) return sealTemporary(destination.fd, destination.temp, destination.real);
  if (!destination.borrowed) fs.closeSync(destination.fd);
  return null;
}

/** Failed: a temporary is removed, and the target stays as it was. */
function abandonDestination(destination: Destination): void {
  if (destination.temp !== null) return discardTemporary(destination.fd, destination.temp);
  if (destination.borrowed) return;
  try {
    fs.closeSync(destination.fd);
  } catch {
    // already closed
  }
}

/** Write `bytes` for `target`: staged, or null where they went in place (a device, a pipe, standard output). */
export function writeFileStaged(target: string, bytes: Uint8Array): StagedFile | null {
  const destination = openDestination(target);
  try {
    writeAll(destination.fd, [bytes]);
    return finishDestination(destination);
  } catch (error) {
    abandonDestination(destination);
    throw error;
  }
}

/**
 * writeFileStaged for chunks produced as they are written (a large text
 * matrix), turning to the event loop after each: a signal that arrives
 * meanwhile is handled then (its handler removes the temporary), not once the
 * whole file is written.
 */
export async function writeChunksStaged(target: string, chunks: Iterable<Uint8Array>): Promise<StagedFile | null> {
  const destination = openDestination(target);
  try {
    for (const chunk of chunks) {
      writeAll(destination.fd, [chunk]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return finishDestination(destination);
  } catch (error) {
    abandonDestination(destination);
    throw error;
  }
}
