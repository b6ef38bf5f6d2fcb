/** `ntk-cli kernel`: compute Θ(X, X) (or Θ(X, Y)) and write the matrix (.npy, .csv or .json; '-' for stdout). */
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
import { encodeMatrix, MATRIX_FORMATS, matrixFormatOf, type MatrixFormat } from '../io/kernelFile';
import type { NpyDtype } from '../io/npy';
import { computeNtk } from '../pipeline';
import { addModelOptions, type ModelOptions } from './options';
import { checkWritableTarget, writeOutput } from './outputs';
import { describeRun, printReport, runReport } from './report';
import { addSourceOptions, resolveSources, saveSources, type SourceFlags } from './sources';

type KernelFlags = ModelOptions & SourceFlags & { out: string; dtype: NpyDtype; format?: MatrixFormat };

export function kernelCommand(): Command {
  const command = new Command('kernel').description('compute the empirical NTK and write the matrix');
  addSourceOptions(addModelOptions(command))
    .option('-o, --out <file>', "output file: .npy, .csv or .json; '-' writes to stdout", 'ntk.npy')
    .addOption(new Option('--format <format>', "format for --out - (default csv)").choices(MATRIX_FORMATS))
    .addOption(new Option('--dtype <type>', '.npy element type').choices(['float32', 'float64']).default('float32'))
    .action(async (flags: KernelFlags, cmd: Command) => {
      const started = process.hrtime.bigint();
      const toStdout = flags.out === '-';
      const format = toStdout ? (flags.format ?? 'csv') : matrixFormatOf(flags.out);
      if (!format) throw new UsageError(`--out ${flags.out}: expected a .npy, .csv or .json file name, or '-'`);
      if (flags.format !== undefined && flags.format !== format) throw new UsageError(`--format ${flags.format} contradicts --out ${flags.out}`);
      if (toStdout && flags.json) throw new UsageError('--json and --out - both write to stdout; choose one');
      if (!toStdout) checkWritableTarget('--out', flags.out);
      const config = resolveSources(flags, cmd);
      const result = await computeNtk(config);
      const bytes = encodeMatrix(result.kernel, result.rows, result.cols, format, flags.dtype);
      if (toStdout) process.stdout.write(bytes);
      else writeOutput('--out', flags.out, bytes);
      const saved = saveSources(flags, result);
      const total = Number(process.hrtime.bigint() - started) / 1e9;
      const report = runReport(config, result, total, { matrix: flags.out, ...saved });
      const where = toStdout ? `${format} to stdout` : flags.out;
      printReport(report, `${describeRun(config, result)}; wrote ${where}`, flags.json, toStdout);
    });
  return command;
}
