/** `ntk-cli kernel`: compute Θ(X, X) and write the matrix (.npy, .csv or .json). */
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
import { matrixFormatOf, writeMatrixAtomic } from '../io/kernelFile';
import type { NpyDtype } from '../io/npy';
import { computeNtk } from '../pipeline';
import { addModelOptions, runConfig, type ModelOptions } from './options';
import { checkWritableTarget } from './outputs';
import { describeRun, printReport, runReport } from './report';

interface KernelOptions extends ModelOptions {
  out: string;
  dtype: NpyDtype;
}

export function kernelCommand(): Command {
  const command = new Command('kernel').description('compute the empirical NTK and write the matrix');
  addModelOptions(command)
    .option('-o, --out <file>', 'output file: .npy, .csv or .json', 'ntk.npy')
    .addOption(new Option('--dtype <type>', '.npy element type').choices(['float32', 'float64']).default('float32'))
    .action(async (options: KernelOptions) => {
      const started = process.hrtime.bigint();
      if (!matrixFormatOf(options.out)) throw new UsageError(`--out ${options.out}: expected a .npy, .csv or .json file name`);
      checkWritableTarget('--out', options.out);
      const result = await computeNtk(runConfig(options));
      writeMatrixAtomic(options.out, result.kernel, result.n, result.n, options.dtype);
      const total = Number(process.hrtime.bigint() - started) / 1e9;
      const report = runReport(options, result, total, { matrix: options.out });
      printReport(report, `${describeRun(options, result)}; wrote ${options.out}`, options.json, false);
    });
  return command;
}
