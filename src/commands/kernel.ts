/** `ntk-cli kernel`: compute Θ(X, X) (or Θ(X, Y)) and write the matrix (.npy, .csv or .json; '-' for stdout). */
import { Command, Option } from 'commander';
import { selectBlock } from '../cli/blocks';
import { extensionList, formatWithFlag } from '../cli/formats';
import { computeKernel, finishKernelJob, startKernelJob, type KernelJobFlags } from '../cli/kernelJob';
import { alignmentReport, alignmentWith, checkLabelledKernel, classesOf, classesReport } from '../cli/labels';
import { addOptions, MODEL_OPTIONS, RUNTIME_OPTIONS } from '../cli/options';
import { checkFreeSpace, checkWritableTarget, markWritten, writeFailure, writeOutput, writeStdout } from '../cli/outputs';
import { parseRange } from '../cli/parsers';
import { describeRun, printReport, type GlobalFlags } from '../cli/report';
import { addSourceOptions } from '../cli/sources';
import { InputError, UsageError } from '../errors';
import { isSpecialFile } from '../io/atomicWrite';
import { matrixChunks, MATRIX_FORMATS, minimumMatrixBytes, type MatrixFormat } from '../io/kernelFile';
import type { NpyDtype } from '../io/npy';
import { npyRowChunks } from '../io/npyRows';
import { NpyStream } from '../io/npyStream';
import { kernelShape } from '../pipeline';

type KernelFlags = KernelJobFlags & { out: string; dtype: NpyDtype; format?: MatrixFormat; rows?: [number, number]; cols?: [number, number] };

/** Open the streamed .npy, naming the flag when the directory refuses it. */
function openStream(out: string, shape: [number, number]): NpyStream {
  try {
    return new NpyStream(out, shape);
  } catch (error) {
    throw new InputError(`--out ${out}: cannot write: ${writeFailure(error)}`);
  }
}

export function kernelCommand(): Command {
  const command = new Command('kernel');
  addSourceOptions(addOptions(addOptions(command, MODEL_OPTIONS), RUNTIME_OPTIONS))
    .option('-o, --out <file>', `output file: ${extensionList('matrix')}; '-' writes to stdout`, 'ntk.npy')
    .addOption(new Option('--format <format>', 'format for --out - or a device or pipe (default csv)').choices(MATRIX_FORMATS))
    .addOption(new Option('--dtype <type>', 'element type: .npy float32 or float64; CSV and JSON values as the shortest decimals of float32 or float64').choices(['float32', 'float64']).default('float32'))
    .addOption(new Option('--rows <a:b>', 'compute only rows a … b−1 of the kernel (a block for `ntk-cli merge`)').argParser(parseRange))
    .addOption(new Option('--cols <c:d>', 'compute only columns c … d−1').argParser(parseRange))
    .action(async (flags: KernelFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const { json } = globals;
      const toStdout = flags.out === '-';
      const format = formatWithFlag('matrix', '--out', flags.out, flags.format) as MatrixFormat;
      if (toStdout && json) throw new UsageError('--json and --out - both write to stdout; choose one');
      if (!toStdout) checkWritableTarget('--out', flags.out);
      if ((flags.rows || flags.cols) && !toStdout) checkWritableTarget('--out', `${flags.out}.json`);
      const job = startKernelJob(flags, cmd);
      if (job.labels && (flags.rows || flags.cols)) throw new UsageError('--rows and --cols compute a block; labels (and their alignment) go with the whole kernel');
      const block = selectBlock(job.config, flags.rows, flags.cols);
      if (block && (format !== 'npy' || toStdout)) throw new UsageError('--rows and --cols write a .npy block (with its .json placement beside it)');
      if (block && flags.trace === 'none') throw new UsageError('--rows and --cols take blocks of a traced kernel; --trace none is computed whole');
      // A float32 .npy streams tile by tile into the file: the matrix is never held in memory.
      const streams = format === 'npy' && flags.dtype === 'float32' && !toStdout && !isSpecialFile(flags.out);
      const shape = kernelShape(job.config);
      if (!toStdout) checkFreeSpace('--out', flags.out, minimumMatrixBytes(shape[0], shape[1], format, flags.dtype));
      const stream = streams ? openStream(flags.out, shape) : null;
      try {
        const wayOut = streams ? '' : 'write a float32 .npy (it streams to disk), ';
        const result = await computeKernel(job, flags, { keepsMatrix: !streams, sink: stream, wayOut });
        if (stream) {
          await stream.commit();
          markWritten(flags.out);
        }
        else {
          const bytes = matrixChunks(result.kernel!, result.rows, result.cols, format, flags.dtype);
          if (toStdout) await writeStdout(bytes);
          else writeOutput('--out', flags.out, bytes);
        }
        if (block) writeOutput('--out', `${flags.out}.json`, Buffer.from(JSON.stringify(block) + '\n'));
        const report = finishKernelJob(job, flags, result, { matrix: flags.out });
        if (block) report.block = { rows: block.rows, cols: block.cols, of: block.shape };
        if (job.labels) {
          checkLabelledKernel(job.labels, result.rows, result.cols, result.inputs.count);
          const classes = classesOf(job.labels);
          // A streamed kernel is read back from its file by rows: the alignment needs every entry.
          const source = result.kernel ?? npyRowChunks(flags.out)!;
          Object.assign(report, { classes: classesReport(classes), ...alignmentReport(alignmentWith(classes, source)) });
        }
        const where = toStdout ? `${format} to stdout` : flags.out;
        await printReport(report, `${describeRun(job.config, result, block)}; wrote ${where}`, globals, toStdout);
      } catch (error) {
        stream?.abort();
        if (stream && (error as NodeJS.ErrnoException).code) throw new InputError(`--out ${flags.out}: cannot write: ${writeFailure(error)}`);
        throw error;
      }
    });
  return command;
}
