/**
 * Wires commander to the commands: the registry of subcommands, the global
 * flags, and the mapping of failures to one line on stderr and an exit code.
 *
 * Only the subcommand being run is loaded (with what it needs); the others are
 * registered by name and summary, so `--help` and `--version` start as fast as
 * Node itself.
 */
import { Command, CommanderError, Option } from 'commander';
import fs = require('node:fs');
import type * as CompileCache from './cli/compileCache';
import type * as Gates from './cli/gates';
import type * as Outputs from './cli/outputs';
import { COMMAND_NAMES, commandRan, invokedCommand, markCommandRan, stdoutStream, type CommandName } from './cli/startup';
import { exitCodeOf } from './errors';
import type * as AtomicWrite from './io/atomicWrite';

const { version } = require('../../package.json') as { version: string };

/** What each subcommand is: its summary in --help, and its module, loaded only for a run of it. */
const COMMANDS: Record<CommandName, { summary: string; load: () => Command }> = {
  heatmap: { summary: 'compute the empirical NTK and draw it as a heatmap', load: () => require('./commands/heatmap').heatmapCommand() },
  kernel: { summary: 'compute the empirical NTK and write the matrix', load: () => require('./commands/kernel').kernelCommand() },
  render: { summary: "draw a 2-D matrix (.npy, .csv or .json; '-' reads CSV from stdin) as a heatmap", load: () => require('./commands/render').renderCommand() },
  spectrum: { summary: "the kernel's eigenvalues: conditioning, effective rank, learning-rate bound, target alignment, as a chart and numbers", load: () => require('./commands/spectrum').spectrumCommand() },
  predict: { summary: 'what the kernel says training will do: NTK or NNGP regression at any time, beside the trained network', load: () => require('./commands/predict').predictCommand() },
  angle: { summary: 'chart the kernel against the angle between two inputs on the circle, per width, with the infinite-width limit', load: () => require('./commands/angle').angleCommand() },
  converge: { summary: 'chart how the empirical NTK approaches the infinite-width kernel as width grows', load: () => require('./commands/converge').convergeCommand() },
  drift: { summary: 'chart how much gradient-descent training changes the NTK as width grows', load: () => require('./commands/drift').driftCommand() },
  merge: { summary: 'assemble kernel blocks written by `kernel --rows a:b --cols c:d` into one .npy', load: () => require('./commands/merge').mergeCommand() },
};

export function buildProgram(argv: string[] = process.argv): Command {
  const program = new Command('ntk-cli')
    .description("Neural Tangent Kernels of MLPs, computed with OpenBLAS or TensorFlow.js and drawn as matplotlib-style 'hot' heatmaps")
    .version(version)
    .option('--json', 'print one JSON object on stdout instead of the summary line')
    .option('-q, --quiet', 'print no summary line (errors still go to stderr)')
    .addOption(
      new Option('--fail-if <condition>', "exit 3 when a number of the --json report crosses a threshold, e.g. 'condition_number > 1e6' (repeatable)")
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        .argParser((text: string, previous: Gates.Gate[] | undefined) => (require('./cli/gates') as typeof Gates).parseGate(text, previous)),
    )
    .option('--debug', "print stack traces on errors, and the GPU driver's own messages")
    .exitOverride()
    .configureOutput(OUTPUT)
    .hook('preAction', (_program, action) => {
      markCommandRan();
      // Loaded here, not at start-up: only a command that runs needs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('./cli/outputs') as typeof Outputs).reserveStdoutForJson(Boolean(action.optsWithGlobals().json));
    });
  const invoked = invokedCommand(argv);
  for (const name of COMMAND_NAMES) {
    const command = name === invoked ? COMMANDS[name].load() : new Command(name).usage('[options]');
    command.description(COMMANDS[name].summary);
    program.addCommand(command.exitOverride().configureOutput(OUTPUT).configureHelp({ showGlobalOptions: true }));
  }
  return program;
}

/** Help on stdout, where a closed pipe is not a crash (stdoutStream), and errors in one line. */
const OUTPUT = { writeOut: (text: string) => void stdoutStream().write(text), outputError: writeOneLineError };

/** commander's messages ("error: …\n(Did you mean …?)") as one prefixed line. */
function writeOneLineError(message: string, write: (text: string) => void): void {
  write(`ntk-cli: ${message.trim().replace(/\s*\n\s*/g, ' ')}\n`);
}

/** Signals that end a run: what was being written is removed, and the exit code is 128 + the signal's number. */
const SIGNALS: [NodeJS.Signals, number][] = [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
];

/** Handlers installed once a run has something a signal must not leave half done (io/atomicWrite.ts's whenOutputsStart). */
function cleanUpOnSignals(): void {
  for (const [signal, number] of SIGNALS) {
    process.on(signal, () => {
      // A progress bar may have hidden the cursor.
      if (process.stderr.isTTY) process.stderr.write('\x1b[?25h');
      // Every output already in place: the run succeeded, whatever interrupts the report.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      if ((require('./cli/outputs') as typeof Outputs).outputsComplete()) process.exit(0);
      const { pendingTemporaries } = atomicWrite();
      const removed = pendingTemporaries.size;
      for (const temp of pendingTemporaries) fs.rmSync(temp, { force: true });
      process.stderr.write(`ntk-cli: interrupted by ${signal}${removed ? '; the output was not written' : ''}\n`);
      process.exit(128 + number);
    });
  }
}

// Loaded when a command runs, not at start-up: --help and --version write nothing.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const atomicWrite = () => require('./io/atomicWrite') as typeof AtomicWrite;

export async function main(argv: string[]): Promise<number> {
  const invoked = invokedCommand(argv);
  if (invoked) {
    // Where start-up has not turned it on (the modules run, not the bundle): a command loads about
    // 120 modules, worth caching their compiled code; --help and --version load a handful, which
    // reading the cache would slow down.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./cli/compileCache') as typeof CompileCache).enableCompileCache(invoked, process.env, commandRan);
    atomicWrite().whenOutputsStart(cleanUpOnSignals);
  }
  const program = buildProgram(argv);
  if (argv.includes('--debug')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./tfjs/webgpu') as typeof import('./tfjs/webgpu')).showDriverMessages(true);
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander has printed its message
    // A failed run replaces none of its outputs: those written so far are removed (a tripped --fail-if gate comes after they are in place).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./cli/outputs') as typeof Outputs).discardStagedOutputs();
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ntk-cli: error: ${message.split('\n')[0]}\n`);
    if (program.opts().debug && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
    return exitCodeOf(error);
  }
}
