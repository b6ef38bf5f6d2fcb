/** `ntk-cli heatmap`: compute Θ(X, X) and draw it as a 'hot' heatmap with a colorbar. */
import { Command } from 'commander';
import { UsageError } from '../errors';
import { encodeMatrix, matrixFormatOf } from '../io/kernelFile';
import { computeNtk } from '../pipeline';
import { addModelOptions, type ModelOptions } from './options';
import { checkWritableTarget, writeOutput } from './outputs';
import { describePicture, drawPicture, writePicture } from './picture';
import { addPictureOptions, checkPictureFlags, type PictureFlags } from './renderOptions';
import { describeRun, printReport, runReport } from './report';
import { checkMemory, progressBar, wantsProgress } from './runtime';
import { addSourceOptions, resolveSources, saveSources, type SourceFlags } from './sources';

type HeatmapFlags = ModelOptions & SourceFlags & PictureFlags & { matrix?: string };

export function heatmapCommand(): Command {
  const command = new Command('heatmap').description('compute the empirical NTK and draw it as a heatmap');
  addSourceOptions(addModelOptions(command));
  addPictureOptions(command, 'ntk.png')
    .option('--matrix <file>', 'also write the kernel matrix (.npy, .csv or .json)')
    .action(async (flags: HeatmapFlags, cmd: Command) => {
      const started = process.hrtime.bigint();
      const format = checkPictureFlags(flags);
      const matrixFormat = flags.matrix === undefined ? null : matrixFormatOf(flags.matrix);
      if (flags.matrix !== undefined && !matrixFormat) {
        throw new UsageError(`--matrix ${flags.matrix}: expected a .npy, .csv or .json file name`);
      }
      if (flags.out !== '-') checkWritableTarget('--out', flags.out);
      if (flags.matrix !== undefined) checkWritableTarget('--matrix', flags.matrix);

      if (flags.kernel === 'nngp' && cmd.getOptionValueSource('title') === 'default') flags.title = 'NNGP Kernel';
      const config = resolveSources(flags, cmd);
      checkMemory(config, true, flags.maxMemory, 'compute it with `ntk-cli kernel --out k.npy` (streams to disk)');
      const progress = progressBar(wantsProgress(flags.progress), 'kernel');
      config.onProgress = progress.update;
      const result = await computeNtk(config).finally(progress.stop);
      const kernel = result.kernel!;
      const { image, report: picture } = drawPicture({ values: kernel, rows: result.rows, cols: result.cols }, flags, format);
      if (flags.matrix !== undefined && matrixFormat) writeOutput('--matrix', flags.matrix, encodeMatrix(kernel, result.rows, result.cols, matrixFormat));
      writePicture(flags.out, image);
      const saved = saveSources(flags, result);
      const total = Number(process.hrtime.bigint() - started) / 1e9;
      const outputs: Record<string, string> = { image: flags.out, ...saved };
      if (flags.matrix !== undefined) outputs.matrix = flags.matrix;
      const report = { ...runReport(config, result, total, outputs), picture };
      printReport(report, `${describeRun(config, result)}; ${describePicture(picture)}`, flags.json, flags.out === '-');
    });
  return command;
}
