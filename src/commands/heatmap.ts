/** `ntk-cli heatmap`: compute Θ(X, X) and draw it as a 'hot' heatmap with a colorbar. */
import { Command } from 'commander';
import { outputFormat } from '../cli/formats';
import { computeKernel, finishKernelJob, startKernelJob, type KernelJobFlags } from '../cli/kernelJob';
import { addOptions, MODEL_OPTIONS, RUNTIME_OPTIONS } from '../cli/options';
import { checkWritableTarget, writeOutputChunks } from '../cli/outputs';
import { describePicture, drawPicture, everyBlock, writePicture } from '../cli/picture';
import { addPictureOptions, checkPictureFlags, type PictureFlags } from '../cli/pictureOptions';
import { describeRun, printReport, type GlobalFlags } from '../cli/report';
import { addSourceOptions } from '../cli/sources';
import { matrixChunks, type MatrixFormat } from '../io/kernelFile';
import { addSortOption, alignmentReport, alignmentWith, checkLabelledKernel, classesOf, classesReport, sortedForPicture, type SortOrder } from '../cli/labels';

type HeatmapFlags = KernelJobFlags & PictureFlags & { matrix?: string; sortBy?: SortOrder };

export function heatmapCommand(): Command {
  const command = new Command('heatmap');
  addSourceOptions(addOptions(addOptions(command, MODEL_OPTIONS), RUNTIME_OPTIONS));
  addSortOption(addPictureOptions(command, 'ntk.png'))
    .option('--matrix <file>', 'also write the kernel matrix (.npy, .csv or .json), in the order of the inputs')
    .action(async (flags: HeatmapFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const { json } = globals;
      const format = checkPictureFlags(flags, json, (key) => cmd.getOptionValueSource(key) === 'cli');
      const matrixFormat = flags.matrix === undefined ? null : (outputFormat('matrix', '--matrix', flags.matrix, false) as MatrixFormat);
      if (flags.out !== '-') checkWritableTarget('--out', flags.out);
      if (flags.matrix !== undefined) checkWritableTarget('--matrix', flags.matrix);
      if (flags.kernel === 'nngp' && cmd.getOptionValueSource('title') === 'default') flags.title = 'NNGP Kernel';

      const job = startKernelJob(flags, cmd);
      const result = await computeKernel(job, flags, { keepsMatrix: true, wayOut: 'compute it with `ntk-cli kernel --out k.npy` (streams to disk), ' });
      const kernel = result.kernel!;
      const perSample = result.rows / result.inputs.count;
      checkLabelledKernel(job.labels, result.rows, result.cols, result.inputs.count);
      const classes = job.labels ? classesOf(job.labels) : null;
      const sorted = sortedForPicture(kernel, result.rows, classes, flags.sortBy);
      const groups = perSample > 1 ? { rows: everyBlock(result.rows, perSample), cols: everyBlock(result.cols, perSample) } : sorted.groups;
      const { image, report: picture } = drawPicture({ values: sorted.values, rows: result.rows, cols: result.cols }, flags, format, groups);
      if (flags.matrix !== undefined && matrixFormat) await writeOutputChunks('--matrix', flags.matrix, matrixChunks(kernel, result.rows, result.cols, matrixFormat));
      await writePicture(flags.out, image);
      const outputs: Record<string, string> = { image: flags.out };
      if (flags.matrix !== undefined) outputs.matrix = flags.matrix;
      const labelled = classes ? { classes: classesReport(classes), ...alignmentReport(alignmentWith(classes, kernel)) } : {};
      const report = { ...finishKernelJob(job, flags, result, outputs), ...labelled, picture };
      await printReport(report, `${describeRun(job.config, result)}; ${describePicture(picture)}`, globals, flags.out === '-');
    });
  return command;
}
