/** Wires commander to the commands; maps failures to one line on stderr and an exit code. */
import { Command, CommanderError } from 'commander';
import { convergeCommand } from './commands/converge';
import { driftCommand } from './commands/drift';
import { heatmapCommand } from './commands/heatmap';
import { kernelCommand } from './commands/kernel';
import { mergeCommand } from './commands/merge';
import { renderCommand } from './commands/render';
import { InputError, UsageError } from './errors';

const { version } = require('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('ntk-cli')
    .description("Neural Tangent Kernels of MLPs, computed with TensorFlow.js and drawn as matplotlib-style 'hot' heatmaps")
    .version(version)
    .exitOverride()
    .configureOutput({ outputError: writeOneLineError });
  for (const command of [heatmapCommand(), kernelCommand(), renderCommand(), convergeCommand(), driftCommand(), mergeCommand()]) {
    program.addCommand(command.exitOverride().configureOutput({ outputError: writeOneLineError }));
  }
  return program;
}

/** commander's messages ("error: …\n(Did you mean …?)") as one prefixed line. */
function writeOneLineError(message: string, write: (text: string) => void): void {
  write(`ntk-cli: ${message.trim().replace(/\s*\n\s*/g, ' ')}\n`);
}

/** Exit code for an error: 2 usage, 1 input or runtime. */
function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof InputError) return error.exitCode;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const code = exitCodeOf(error);
    // commander has already printed its own message (and help/version output).
    if (!(error instanceof CommanderError)) {
      const debug = argv.includes('--debug');
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`ntk-cli: error: ${message.split('\n')[0]}\n`);
      if (debug && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
    }
    return code;
  }
}
