/**
 * Savings on every run's first and last milliseconds, where `ntk-cli --help` spends most of
 * what it adds to Node's own start-up (measured, interleaved: 57.4 ms, against 59.6 without
 * cli.help.js and `node -e 0`'s 49.7).
 *
 * - A subcommand runs from the bundle `npm run build` makes of ntk-cli's own modules
 *   (dist/bundle/cli.js, esbuild): one file to find, read and take from the code cache in place of
 *   about 120, which took 8 ms of a default heatmap's 127 (interleaved runs). `--help` and
 *   `--version` load a handful of modules, cheaper than the 660 kB bundle, and run from cli.js with
 *   commander in it (loadCli). All are the same code, which the tests run through this file.
 * - commander loads node:child_process when it loads, for executable subcommands, which ntk-cli
 *   has none of. Loading it compiles Node's child_process module and those it brings (dgram, and
 *   net where stdout is not a pipe): 1.7 ms timed inside the process. It is handed a stand-in that
 *   loads the real module on first use instead.
 * - At a natural exit Node tears its heap down page by page; a run whose work is done and whose
 *   output is written exits at once instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as CompileCache from './compileCache';

/**
 * The subcommands' names, in the order `--help` lists them: here, so that start-up can tell which
 * one a run names before it loads the CLI. Adding a command is a name here and an entry in cli.ts's table.
 */
export const COMMAND_NAMES = ['heatmap', 'kernel', 'render', 'spectrum', 'predict', 'angle', 'converge', 'drift', 'merge'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The first argument that names a subcommand (commander's `help NAME` included). */
export function invokedCommand(argv: string[]): CommandName | undefined {
  return argv.slice(2).find((arg): arg is CommandName => (COMMAND_NAMES as readonly string[]).includes(arg));
}

/** What bin/ntk-cli.js runs. */
interface Cli {
  main(argv: string[]): Promise<number>;
}

/**
 * The CLI for `argv`, from one of two builds of the same code (`npm run bundle`):
 * - a subcommand: dist/bundle/cli.js, ntk-cli's own modules in one file, with the code cache on
 *   before it loads;
 * - none (`--help`, `--version`): dist/src/cli.help.js, cli.js with commander's seven files in it
 *   (2 ms of the 10 that `--help` adds to Node's start, interleaved runs).
 * A build older than dist/src/cli.js (`tsc` has run since: current()) is passed over for the
 * modules themselves, as where there is none.
 */
export function loadCli(argv: string[]): Cli {
  const command = invokedCommand(argv);
  const build = command === undefined ? HELP_BUILD : path.join(__dirname, '..', '..', 'bundle', 'cli.js');
  if (current(build)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (command !== undefined) (require('./compileCache') as typeof CompileCache).enableCompileCache(command, process.env, commandRan);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(build) as Cli;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../cli') as Cli;
}

/** cli.js with commander in it: its require of child_process is commander's. */
const HELP_BUILD = path.join(__dirname, '..', 'cli.help.js');

/**
 * Whether `build` exists and is no older than the modules, give or take STALE_MS: npm unpacks a
 * package's files one after another, milliseconds apart, where a `tsc` that rewrites cli.js after
 * the bundles runs for seconds. (A `tsc --watch` that rewrites only a command's module is not
 * seen: `npm run bundle` after it.)
 */
function current(build: string): boolean {
  try {
    return fs.statSync(build).mtimeMs + STALE_MS >= fs.statSync(path.join(__dirname, '..', 'cli.js')).mtimeMs;
  } catch {
    return false;
  }
}

const STALE_MS = 2000;

/**
 * Marks a run in which a command's action started (cli.ts's preAction hook), process-wide: the
 * bundle and the modules each hold a copy of this file. Only such a run's compiled code is kept
 * in the cache: a bundle's entry is written once, by its first run, and `kernel --help` would
 * leave it next to none of a kernel's functions.
 */
const COMMAND_RAN = Symbol.for('ntk-cli command ran');

export function markCommandRan(): void {
  (process as unknown as Record<symbol, boolean>)[COMMAND_RAN] = true;
}

export function commandRan(): boolean {
  return (process as unknown as Record<symbol, boolean>)[COMMAND_RAN] === true;
}

interface CjsLoader {
  _load(request: string, parent: { filename?: string } | null, isMain: boolean): unknown;
}

/** Until the returned function is called, commander's `require('node:child_process')` gets a stand-in that loads it when used. */
export function deferCommanderChildProcess(): () => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loader = require('node:module') as CjsLoader;
  const load = loader._load;
  const commanderFiles = `${path.sep}commander${path.sep}`;
  loader._load = function loadDeferringChildProcess(request, parent, isMain) {
    const fromCommander = parent?.filename !== undefined && (parent.filename.includes(commanderFiles) || parent.filename === HELP_BUILD);
    if ((request === 'node:child_process' || request === 'child_process') && fromCommander) {
      let real: Record<string | symbol, unknown> | undefined;
      return new Proxy({}, { get: (_target, key) => (real ??= load.call(loader, request, parent, false) as Record<string | symbol, unknown>)[key] });
    }
    return load.call(loader, request, parent, isMain);
  };
  return () => {
    loader._load = load;
  };
}

/**
 * End the process with `code`: once the event loop has turned (a failed write to stderr, EPIPE,
 * reports itself then, and ends the run with 1 as it always did), at once if nothing is left to
 * write on stdout or stderr (pipes are written asynchronously on macOS), else when Node finishes
 * writing it.
 */
export function exitWhenWritten(code: number): void {
  process.exitCode = code;
  setImmediate(() => {
    if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(process.exitCode);
  });
}
