/**
 * Savings on every run's first and last milliseconds, where `ntk-cli --help` spends most of
 * what it adds to Node's own start-up (measured, interleaved: 57.4 ms, against 59.6 without
 * cli.help.js and `node -e 0`'s 49.7).
 *
 * - A subcommand runs from the bundle `npm run build` makes of ntk-cli's own modules and
 *   commander's (dist/bundle/cli.js, esbuild): one file to find, read and take from the code cache
 *   in place of about 130 (ntk-cli's alone took 8 ms of a default heatmap's 127, interleaved runs;
 *   commander's seven 3.9 ms, timed inside the process). `--help` and `--version` load a handful
 *   of modules, cheaper than the 560 kB bundle, and run from cli.js with commander in it
 *   (loadCli). All are the same code, which the tests run through this file.
 * - commander loads node:child_process when it loads, for executable subcommands, which ntk-cli
 *   has none of. Loading it compiles Node's child_process module and those it brings (dgram, and
 *   net where stdout is not a pipe): 1.7 ms timed inside the process. It is handed a stand-in that
 *   loads the real module on first use instead.
 * - A command that will load canvas or OpenBLAS has them opened on another thread while this one
 *   loads the CLI (preload).
 * - process.stdout and process.stderr are made only where something uses them (watchStdio).
 * - At a natural exit Node tears its heap down page by page; a run whose work is done and whose
 *   output is written exits at once instead.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import type * as CompileCache from './compileCache';
import type * as Native from '../native';

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
 * - a subcommand: dist/bundle/cli.js, ntk-cli's own modules and commander's in one file, with the
 *   code cache on before it loads;
 * - none (`--help`, `--version`): dist/src/cli.help.js, cli.js with commander's seven files in it
 *   (2 ms of the 10 that `--help` adds to Node's start, interleaved runs).
 * A build older than dist/src/cli.js (`tsc` has run since: current()) is passed over for the
 * modules themselves, as where there is none.
 */
export function loadCli(argv: string[]): Cli {
  watchStdio();
  const command = invokedCommand(argv);
  if (command !== undefined) preload(command, argv);
  const build = command === undefined ? HELP_BUILD : COMMANDS_BUILD;
  if (current(build)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (command !== undefined) (require('./compileCache') as typeof CompileCache).enableCompileCache(command, process.env, commandRan);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(build) as Cli;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../cli') as Cli;
}

/** --threads' default: OpenBLAS's threads, or TensorFlow.js's workers. */
export const DEFAULT_THREADS = os.availableParallelism();

/**
 * What a command's run loads that the native helper can open on a thread of its own while this
 * one loads and starts the CLI: canvas (the dynamic loader maps cairo, pango and some fifty
 * libraries: 8–10 ms on this project's machine) with fontconfig's configuration, and the
 * libraries nblas needs (OpenBLAS, which starts its threads as it loads: 3–5 ms).
 */
const PRELOADS: Partial<Record<CommandName, readonly ('canvas' | 'blas')[]>> = {
  heatmap: ['canvas', 'blas'],
  render: ['canvas'],
  kernel: ['blas'],
};

/**
 * Start the preload for `command`, where the helper is built. Skipped: for help; and OpenBLAS where
 * --threads is given (OpenBLAS fixes its thread count as it loads: loadBlas sets
 * OPENBLAS_NUM_THREADS to --threads first, and the preload to the default, the same value), or a
 * flag that may take the products elsewhere (--linalg, --backend, --method, --width inf), where
 * OpenBLAS's threads would start for nothing.
 * A run that ends early waits for the thread before it exits: the libraries' loading and
 * fontconfig's configuration (12 ms warm; 91 ms measured with a cold font cache and 34 fonts).
 */
function preload(command: CommandName, argv: string[]): void {
  const wanted = PRELOADS[command];
  const args = argv.slice(2);
  if (!wanted || args.some((arg) => arg === '--help' || arg === '-h' || arg === 'help')) return;
  let native: Native.NativeHelpers | null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    native = (require('../native') as typeof Native).nativeHelpers();
  } catch {
    return; // a tree without the modules (start-up's tests run this file alone)
  }
  if (typeof native?.preload !== 'function') return; // not built, or built by an older ntk-cli
  const addons: string[] = [];
  const neededOf: string[] = [];
  // Where the packages load their add-ons from (canvas's lib/bindings.js, nblas's dist/index.js).
  const resolved = (request: string, addon: string) => {
    try {
      return path.join(path.dirname(require.resolve(request)), addon);
    } catch {
      return null; // not installed: the command reports it, or does without
    }
  };
  const canvas = wanted.includes('canvas') ? resolved('canvas', 'build/Release/canvas.node') : null;
  if (canvas) addons.push(canvas);
  // --width as parseWidth reads infinity (cli/parsers.ts).
  const infinite = (value: string | undefined) => value !== undefined && /^(inf|infinity)$/i.test(value.trim());
  const elsewhere = args.some(
    (arg, i) => /^--(threads|linalg|backend|method)(=|$)/.test(arg) || (arg.startsWith('--width=') && infinite(arg.slice(8))) || (arg === '--width' && infinite(args[i + 1])),
  );
  const blas = wanted.includes('blas') && !elsewhere ? resolved('nblas', '../build/Release/nblas.node') : null;
  if (blas) {
    neededOf.push(blas);
    // Set before the thread starts, which reads it as OpenBLAS loads: loadBlas's later setting
    // of the same variable replaces a value and does not grow the environment under it.
    process.env.OPENBLAS_NUM_THREADS = String(DEFAULT_THREADS);
  }
  if (addons.length + neededOf.length === 0) return;
  // First of the 'exit' listeners: one that throws would leave the rest unrun.
  if (native.preload(addons, neededOf, canvas ? ['FcInit'] : [])) process.prependOnceListener('exit', () => native.preloadJoin());
}

/** The builds with commander in them: their require of child_process is commander's. */
const HELP_BUILD = path.join(__dirname, '..', 'cli.help.js');
const COMMANDS_BUILD = path.join(__dirname, '..', '..', 'bundle', 'cli.js');

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
    const fromCommander = parent?.filename !== undefined && (parent.filename.includes(commanderFiles) || parent.filename === HELP_BUILD || parent.filename === COMMANDS_BUILD);
    if ((request === 'node:child_process' || request === 'child_process') && fromCommander) {
      let loaded: Record<string | symbol, unknown> | undefined;
      const real = () => (loaded ??= load.call(loader, request, parent, false) as Record<string | symbol, unknown>);
      // Whatever asks (a property, its keys, a descriptor) is answered by the real module, loaded then.
      return new Proxy(
        {},
        {
          get: (_target, key) => real()[key],
          has: (_target, key) => key in real(),
          ownKeys: () => Reflect.ownKeys(real()),
          getOwnPropertyDescriptor: (_target, key) => {
            const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
            return descriptor && { ...descriptor, configurable: true };
          },
        },
      );
    }
    return load.call(loader, request, parent, isMain);
  };
  return () => {
    loader._load = load;
  };
}

/**
 * Node makes process.stdout and process.stderr on first use: a stream, and the tty or net module
 * behind it (1–2 ms each). Start-up watches for that (watchStdio), so that a run can write its
 * summary line to file descriptor 1 itself (cli/outputs.ts's writeStdout) and exit without making
 * either. Process-wide: the bundle holds a copy of this file.
 */
const STDIO_OPENED = Symbol.for('ntk-cli stdio opened');
type StdioName = 'stdout' | 'stderr';
const stdioSlot = process as unknown as Record<symbol, Set<StdioName> | undefined>;

export function watchStdio(): void {
  if (stdioSlot[STDIO_OPENED]) return;
  // A stream made before this runs (a -r or --import hook) cannot be seen: left unwatched, as opened.
  if ((process as unknown as { moduleLoadList: string[] }).moduleLoadList.includes('NativeModule internal/streams/writable')) return;
  const names = ['stdout', 'stderr'] as const;
  const getters = names.map((name) => Object.getOwnPropertyDescriptor(process, name));
  if (getters.some((descriptor) => !descriptor?.get || !descriptor.configurable)) return; // not Node's lazy getters: left alone
  const opened = new Set<StdioName>();
  names.forEach((name, i) => {
    const { get, enumerable } = getters[i]!;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable,
      get() {
        opened.add(name);
        return get!.call(process);
      },
    });
  });
  stdioSlot[STDIO_OPENED] = opened;
}

/** Whether process[name] may exist: made, or not watched (the modules run without start-up). */
export function stdioOpened(name: StdioName): boolean {
  return stdioSlot[STDIO_OPENED]?.has(name) ?? true;
}

/** process.stdout with a listener for its 'error' events (a closed pipe): each write reports its failure through its own callback, in one line. */
export function stdoutStream(): NodeJS.WriteStream {
  const stream = process.stdout;
  if (!stream.listeners('error').includes(ignoreError)) stream.on('error', ignoreError);
  return stream;
}

function ignoreError(): void {}

/**
 * End the process with `code`: once the event loop has turned (a failed write to stderr, EPIPE,
 * reports itself then, and ends the run with 1 as it always did), at once if nothing is left to
 * write on stdout or stderr (pipes are written asynchronously on macOS), else when Node finishes
 * writing it.
 */
export function exitWhenWritten(code: number): void {
  process.exitCode = code;
  setImmediate(() => {
    const pending = (['stdout', 'stderr'] as const).some((name) => stdioOpened(name) && process[name].writableLength > 0);
    if (!pending) process.exit(process.exitCode);
  });
}
