/** `ntk-cli kernel`: compute Θ(X, X) (or Θ(X, Y)) and write the matrix (.npy, .csv or .json; '-' for stdout). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { InputError, UsageError } from '../errors';
import { NpyStream } from '../io/npyStream';
import { checkMemory, progressBar, wantsProgress } from './runtime';
import { encodeMatrix, MATRIX_FORMATS, matrixFormatOf, type MatrixFormat } from '../io/kernelFile';
import type { NpyDtype } from '../io/npy';
import { computeNtk, runInputs, type RunConfig } from '../pipeline';
import { parseRange, type BlockPlacement } from '../io/blocks';
import { addModelOptions, type ModelOptions } from './options';
import { checkWritableTarget, writeOutput } from './outputs';
import { describeRun, printReport, runReport } from './report';
import { addSourceOptions, resolveSources, saveSources, type SourceFlags } from './sources';

type KernelFlags = ModelOptions & SourceFlags & { out: string; dtype: NpyDtype; format?: MatrixFormat; rows?: [number, number]; cols?: [number, number] };

function parseRangeOption(value: string): [number, number] {
  const range = parseRange(value);
  if (!range) throw new InvalidArgumentError('expected START:END, whole numbers with START < END, e.g. 0:5000.');
  return range;
}

/**
 * --rows a:b --cols c:d: restrict the run to that block of the full kernel, by
 * computing the cross-kernel of the two slices of the inputs.
 */
function selectBlock(config: RunConfig, flags: KernelFlags): BlockPlacement | null {
  if (!flags.rows && !flags.cols) return null;
  const inputs = runInputs(config);
  const columns = config.inputs2 ?? inputs;
  const rows = flags.rows ?? [0, inputs.count];
  const cols = flags.cols ?? [0, columns.count];
  if (rows[1] > inputs.count) throw new UsageError(`--rows ${rows.join(':')} runs past the ${inputs.count} samples`);
  if (cols[1] > columns.count) throw new UsageError(`--cols ${cols.join(':')} runs past the ${columns.count} samples`);
  const d = inputs.values.length / inputs.count;
  const slice = (s: { values: Float32Array }, [a, b]: [number, number]) => ({ values: s.values.slice(a * d, b * d), count: b - a });
  const symmetric = !config.inputs2;
  const placement: BlockPlacement = { rows, cols, shape: [inputs.count, columns.count], symmetric };
  config.inputs = slice(inputs, rows);
  config.inputs2 = symmetric && rows[0] === cols[0] && rows[1] === cols[1] ? undefined : slice(columns, cols);
  config.samples = rows[1] - rows[0];
  return placement;
}

export function kernelCommand(): Command {
  const command = new Command('kernel').description('compute the empirical NTK and write the matrix');
  addSourceOptions(addModelOptions(command))
    .option('-o, --out <file>', "output file: .npy, .csv or .json; '-' writes to stdout", 'ntk.npy')
    .addOption(new Option('--format <format>', "format for --out - (default csv)").choices(MATRIX_FORMATS))
    .addOption(new Option('--dtype <type>', '.npy element type').choices(['float32', 'float64']).default('float32'))
    .addOption(new Option('--rows <a:b>', 'compute only rows a … b−1 of the kernel (a block for `ntk-cli merge`)').argParser(parseRangeOption))
    .addOption(new Option('--cols <c:d>', 'compute only columns c … d−1').argParser(parseRangeOption))
    .action(async (flags: KernelFlags, cmd: Command) => {
      const started = process.hrtime.bigint();
      const toStdout = flags.out === '-';
      const format = toStdout ? (flags.format ?? 'csv') : matrixFormatOf(flags.out);
      if (!format) throw new UsageError(`--out ${flags.out}: expected a .npy, .csv or .json file name, or '-'`);
      if (flags.format !== undefined && flags.format !== format) throw new UsageError(`--format ${flags.format} contradicts --out ${flags.out}`);
      if (toStdout && flags.json) throw new UsageError('--json and --out - both write to stdout; choose one');
      if (!toStdout) checkWritableTarget('--out', flags.out);
      const config = resolveSources(flags, cmd);
      const block = selectBlock(config, flags);
      if (block && (format !== 'npy' || toStdout)) throw new UsageError('--rows and --cols write a .npy block (with its .json placement beside it)');
      // A float32 .npy streams tile by tile into the file: the matrix is never held in memory.
      const streams = format === 'npy' && flags.dtype === 'float32' && !toStdout;
      checkMemory(config, !streams, flags.maxMemory, 'write a float32 .npy (it streams to disk)');
      const progress = progressBar(wantsProgress(flags.progress), 'kernel');
      config.onProgress = progress.update;
      const rows = config.inputs?.count ?? config.samples;
      const cols = config.inputs2?.count ?? rows;
      let stream: NpyStream | null = null;
      try {
        stream = streams ? openStream(flags.out, [rows, cols]) : null;
        const result = await computeNtk(config, stream);
        progress.stop();
        if (stream) stream.commit();
        else {
          const bytes = encodeMatrix(result.kernel!, result.rows, result.cols, format, flags.dtype);
          if (toStdout) process.stdout.write(bytes);
          else writeOutput('--out', flags.out, bytes);
        }
        if (block) writeOutput('--out', `${flags.out}.json`, Buffer.from(JSON.stringify(block) + '\n'));
        const saved = saveSources(flags, result);
        const total = Number(process.hrtime.bigint() - started) / 1e9;
        const report = runReport(config, result, total, { matrix: flags.out, ...saved });
        const where = toStdout ? `${format} to stdout` : flags.out;
        printReport(report, `${describeRun(config, result)}; wrote ${where}`, flags.json, toStdout);
      } catch (error) {
        progress.stop();
        stream?.abort();
        throw error;
      }
    });
  return command;
}

/** Open the streamed .npy, naming the flag when the directory refuses it. */
function openStream(out: string, shape: [number, number]): NpyStream {
  try {
    return new NpyStream(out, shape);
  } catch (error) {
    throw new InputError(`--out ${out}: cannot write: ${(error as Error).message}`);
  }
}
