/**
 * Output paths: checked before any work, so a long run never ends in an
 * unwritable or full file system, then written atomically: each to a
 * temporary beside it, and all of them renamed into place together once every
 * one is written (just before the report), so a run that fails, or is
 * interrupted, replaces none of its outputs. Every path a run
 * reads or writes is noted (by the file it resolves to, symbolic links
 * followed), so an output that would replace an input, or another output, is
 * refused before anything is written.
 */
import fs = require('node:fs');
import path = require('node:path');
import { InputError, UsageError } from '../errors';
import { stdioOpened, stdoutStream } from './startup';
import { discardTemporary, isSpecialFile, isStandardOutput, outputsStart, renameStaged, resolveTarget, temporaryPathFor, writeChunksStaged, writeFileStaged, type StagedFile } from '../io/atomicWrite';

interface Noted {
  flag: string;
  file: string;
  output: boolean;
  /** An output now in place. */
  written?: boolean;
  /** The output is standard output (read when noted: an atomic rename gives the path a new file). */
  stdout?: boolean;
}

const noted = new Map<string, Noted>();

let complete = false;

/** Outputs written and on disk, waiting for the end of the run to replace their targets. */
const staged: { flag: string; file: string; staged: StagedFile }[] = [];

/** Hold `file`'s staged temporary until the run's outputs are complete. */
export function stageOutput(flag: string, file: string, temporary: StagedFile): void {
  staged.push({ flag, file, staged: temporary });
}

/** Remove the staged outputs (the run failed): their targets stay as they were. */
export function discardStagedOutputs(): void {
  for (const entry of staged.splice(0)) discardTemporary(null, entry.staged.temp);
}

/**
 * Every output of the run is written (the report comes next): the staged ones
 * are renamed into place, and a signal from now on ends the run with success.
 * A signal that arrived while the run computed without turning to the event
 * loop (one long eigendecomposition, say) is handled first: it ends the run
 * with its outputs unwritten.
 */
export async function markOutputsComplete(): Promise<void> {
  outputsStart();
  await new Promise((resolve) => setImmediate(resolve));
  // What could make a rename fail is looked for before the first (a target turned into a directory
  // while the run computed), so that one refused output does not leave the others replaced.
  for (const entry of staged) {
    let directory = false;
    try {
      directory = fs.lstatSync(entry.staged.real).isDirectory();
    } catch {
      // gone or never there: the rename creates it
    }
    if (directory) {
      discardStagedOutputs();
      throw new InputError(`${entry.flag} ${entry.file}: is a directory now; no output was replaced`);
    }
  }
  while (staged.length) {
    const entry = staged[0]!;
    try {
      renameStaged(entry.staged);
    } catch (error) {
      discardStagedOutputs();
      throw writeError(entry.flag, entry.file, error);
    }
    staged.shift();
    markWritten(entry.staged.real);
  }
  complete = true;
}

/** An output is in place (renamed over its target, or written in place); `real`: its file, links followed. */
function markWritten(real: string): void {
  const entry = noted.get(real);
  if (entry?.output) entry.written = true;
}

/** Whether every output the run checked before its work is now in place. */
export function outputsComplete(): boolean {
  if (complete) return true;
  const outputs = [...noted.values()].filter((entry) => entry.output);
  return outputs.length > 0 && outputs.every((entry) => entry.written);
}

/** Forget every noted path (each command starts with none; tests that run several in one process reset). */
export function resetPaths(): void {
  noted.clear();
  stdinReader = null;
  discardStagedOutputs();
  complete = false;
}

let stdoutForJson = false;

/** --json reserves standard output for its report: an output that is standard output (/dev/stdout and the like) is then refused. */
export function reserveStdoutForJson(on: boolean): void {
  stdoutForJson = on;
}

/** Whether `file` is this process's standard output: '-', or a path to it (atomicWrite.ts's isStandardOutput). */
export function isStdout(file: string): boolean {
  return file === '-' || isStandardOutput(file);
}

/** Whether an output of the run is standard output (its summary line then goes to stderr). */
export function stdoutIsAnOutput(): boolean {
  return [...noted.values()].some((entry) => entry.output && entry.stdout);
}

/** The file standard input is redirected from, if it is one (Linux's /proc names it): an output must not replace it. */
function stdinFile(): string | null {
  try {
    return fs.fstatSync(0).isFile() ? fs.realpathSync('/proc/self/fd/0') : null;
  } catch {
    return null;
  }
}

function note(flag: string, file: string, output: boolean): void {
  const real = file === '-' ? (output ? null : stdinFile()) : resolveTarget(file);
  if (real === null) return;
  const earlier = noted.get(real);
  if (earlier && (output || earlier.output)) {
    const consequence = output && earlier.output ? 'each output needs its own path' : 'writing it would replace the input';
    throw new UsageError(`${flag} ${file} is also ${earlier.output ? 'written as' : 'read as'} ${earlier.flag} ${earlier.file}: ${consequence}`);
  }
  if (!earlier) noted.set(real, { flag, file, output, ...(output && isStdout(file) ? { stdout: true } : {}) });
}

/** The flag that reads standard input ('-'), if one does. */
let stdinReader: string | null = null;

/** Note a file the run reads; refused if it is also one of its outputs, or if it is stdin and another input reads it already. */
export function noteInput(flag: string, file: string): void {
  if (file === '-') {
    if (stdinReader !== null && stdinReader !== flag) throw new UsageError(`${stdinReader} - and ${flag} -: only one input can read stdin`);
    stdinReader = flag;
  }
  note(flag, file, false);
}

/** Write `bytes` for `file`, staged (in place for a device or a pipe); a failure becomes one line naming the flag and file. */
export function writeOutput(flag: string, file: string, bytes: Uint8Array): void {
  checkFreeSpace(flag, file, bytes.length);
  let temporary: StagedFile | null;
  try {
    temporary = writeFileStaged(file, bytes);
  } catch (error) {
    throw writeError(flag, file, error);
  }
  written(flag, file, temporary);
}

/** A written output: staged until the run's outputs are complete, or already in place. */
function written(flag: string, file: string, temporary: StagedFile | null): void {
  if (temporary) stageOutput(flag, file, temporary);
  else markWritten(resolveTarget(file));
}

function writeError(flag: string, file: string, error: unknown): InputError {
  return new InputError(`${flag} ${file}: cannot write: ${writeFailure(error)}`);
}

/**
 * writeOutput for chunks produced as they are written (a large text matrix),
 * interruptible between them; their room is checked by the caller before the
 * run, and by the write itself.
 */
export async function writeOutputChunks(flag: string, file: string, chunks: Iterable<Uint8Array>): Promise<void> {
  let temporary: StagedFile | null;
  try {
    temporary = await writeChunksStaged(file, chunks);
  } catch (error) {
    throw writeError(flag, file, error);
  }
  written(flag, file, temporary);
}

/** A write error as a reason. */
export function writeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'EDQUOT') return 'disk quota exceeded';
  if (code === 'EPIPE') return 'the reader closed it (EPIPE)';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOENT') return 'its directory no longer exists';
  // A system error's message ends with the paths it was given (a temporary's, not the output's).
  return (error as Error).message.replace(/ '[^]*$/, '');
}

/** A size in the largest unit that keeps it at or above 1, without an exponent: "160 GB", "5.2 GB", "8.0 kB", "0 bytes". */
function sizeText(bytes: number): string {
  const units: [number, string][] = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  const [scale, unit] = units.find(([size]) => bytes >= size * 0.9995) ?? [1, 'bytes'];
  const value = bytes / scale;
  return `${value >= 99.5 || scale === 1 ? value.toFixed(0) : value.toPrecision(2)} ${unit}`;
}

/** Refuse a write of `bytes` where the file system has less room (not counting a file it replaces). */
export function checkFreeSpace(flag: string, file: string, bytes: number): void {
  if (isSpecialFile(file)) return; // a device or a pipe: its own file system's room says nothing
  const real = resolveTarget(file);
  let free: number;
  try {
    const stats = fs.statfsSync(path.dirname(real));
    free = stats.bavail * stats.bsize;
  } catch {
    return; // no statfs here: the write itself reports a full disk
  }
  let replaced = 0;
  try {
    replaced = fs.statSync(real).size;
  } catch {
    // a new file
  }
  if (bytes > free + replaced) throw new InputError(`${flag} ${file}: needs ${sizeText(bytes)}, the file system has ${sizeText(free)} free`);
}

/** Check, before any work, that `file` can be written; note it as an output. */
export function checkWritableTarget(flag: string, file: string): void {
  if (stdoutForJson && isStdout(file)) throw new UsageError(`${flag} ${file} is standard output, where --json writes its report; choose one`);
  const dir = path.dirname(path.resolve(file));
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError(`${flag} ${file}: directory ${dir} ${missing ? 'does not exist' : 'cannot be reached (permission denied)'}`);
  }
  if (!dirStat.isDirectory()) throw new InputError(`${flag} ${file}: ${dir} is not a directory`);
  let existing: fs.Stats | null = null;
  try {
    existing = fs.statSync(file);
  } catch (error) {
    // A new file (or a dangling link: its target is created), unless the links go round in a loop.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new InputError(`${flag} ${file}: its symbolic links go round in a loop`);
  }
  if (existing?.isDirectory()) throw new InputError(`${flag} ${file}: is a directory`);
  if (existing && (!existing.isFile() || isStandardOutput(file))) {
    // A device, a pipe, or the file standard output is redirected to is written in place
    // (io/atomicWrite.ts): it needs to be writable, its directory need not be.
    if (!writable(file)) throw new InputError(`${flag} ${file}: is not writable`);
    note(flag, file, true);
    return;
  }
  const realDir = path.dirname(resolveTarget(file));
  // The output is written as a temporary beside it, then renamed: try creating one, so the reason a
  // directory refuses (a read-only file system, permissions, a pseudo-file system) is the system's own.
  const probe = temporaryPathFor(resolveTarget(file));
  try {
    fs.closeSync(fs.openSync(probe, 'wx', 0o600));
    fs.rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EROFS' ? 'is on a read-only file system'
      : code === 'ENOSPC' ? 'has no space left'
      : code === 'EDQUOT' ? 'is over its disk quota'
      : code === 'ENOENT' ? 'does not exist' // a dangling link's target directory
      : 'is not writable (permission denied)';
    throw new InputError(`${flag} ${file}: directory ${realDir} ${reason}`);
  }
  // A file nobody may write (mode 444 and the like) is not replaced, even by a user the system would let.
  if (existing && ((existing.mode & 0o222) === 0 || !writable(file))) {
    throw new InputError(`${flag} ${file}: is read-only (mode ${(existing.mode & 0o777).toString(8)}); it is not replaced`);
  }
  note(flag, file, true);
}

function writable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Write to stdout and wait until the data has gone: a closed pipe (EPIPE) or a
 * full disk becomes one line naming stdout, not a crash with a stack trace.
 * A line or two (at most DIRECT_BYTES) goes to file descriptor 1 directly where
 * that is a file or a terminal (or /dev/null) and process.stdout has not been
 * made (cli/startup.ts): a summary line does not cost the stream's start. A pipe
 * or socket always takes the stream: one already full would block a direct
 * write, and with it the signal handlers' clean-up, until its reader read.
 */
export async function writeStdout(data: Uint8Array | string | Iterable<Uint8Array>): Promise<void> {
  let chunks = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
  if ((typeof data === 'string' || data instanceof Uint8Array) && directStdout()) {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length <= DIRECT_BYTES) {
      const rest = writeUntilBlocked(bytes);
      if (rest.length === 0) return;
      chunks = [rest];
    }
  }
  for (const chunk of chunks) {
    await new Promise<void>((resolve, reject) => {
      stdoutStream().write(chunk, (error) => (error ? reject(new InputError(`cannot write to stdout: ${writeFailure(error)}`)) : resolve()));
    });
  }
}

/** At most what a direct write may hold up the run for. */
const DIRECT_BYTES = 1 << 16;

/** Whether file descriptor 1 may be written directly: no stream made yet, and a file or a character device. */
function directStdout(): boolean {
  if (stdioOpened('stdout')) return false;
  try {
    const stat = fs.fstatSync(1);
    return stat.isFile() || stat.isCharacterDevice();
  } catch {
    return false;
  }
}

/** What of `bytes` file descriptor 1 did not take before it would block (a terminal left non-blocking by another program). */
function writeUntilBlocked(bytes: Uint8Array): Uint8Array {
  let at = 0;
  while (at < bytes.length) {
    try {
      at += fs.writeSync(1, bytes, at, bytes.length - at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw new InputError(`cannot write to stdout: ${writeFailure(error)}`);
    }
  }
  return bytes.subarray(at);
}
