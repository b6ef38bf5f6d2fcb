/** `ntk-cli heatmap`: compute Θ(X, X) and draw it as a 'hot' heatmap with a colorbar. */
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
import { writeFileAtomic } from '../io/atomicWrite';
import { matrixFormatOf, writeMatrixAtomic } from '../io/kernelFile';
import { COLORMAP_NAMES } from '../render/colormaps';
import { renderHeatmap, type ImageFormat } from '../render/heatmap';
import { computeNtk } from '../pipeline';
import { addModelOptions, finiteNumber, runConfig, wholeNumber, type ModelOptions } from './options';
import { checkWritableTarget } from './outputs';
import { describeRun, printReport, runReport } from './report';

interface HeatmapOptions extends ModelOptions {
  out: string;
  matrix?: string;
  title: string;
  cmap: string;
  vmin?: number;
  vmax?: number;
  dpi: number;
}

const IMAGE_FORMATS: ImageFormat[] = ['png', 'svg', 'pdf'];

function imageFormatOf(file: string): ImageFormat | null {
  const ext = path.extname(file).slice(1).toLowerCase() as ImageFormat;
  return IMAGE_FORMATS.includes(ext) ? ext : null;
}

export function heatmapCommand(): Command {
  const command = new Command('heatmap').description('compute the empirical NTK and draw it as a heatmap');
  addModelOptions(command)
    .option('-o, --out <file>', 'image file: .png, .svg or .pdf', 'ntk.png')
    .option('--matrix <file>', 'also write the kernel matrix (.npy, .csv or .json)')
    .option('--title <text>', 'title above the image ("" for none)', 'Neural Tangent Kernel')
    .addOption(new Option('--cmap <name>', 'colormap').choices(COLORMAP_NAMES).default('hot'))
    .addOption(new Option('--vmin <x>', 'value at the bottom of the colour scale (default: data min)').argParser(finiteNumber()))
    .addOption(new Option('--vmax <x>', 'value at the top of the colour scale (default: data max)').argParser(finiteNumber()))
    .addOption(new Option('--dpi <n>', 'dots per inch of the 6.4×4.8 in figure').default(100).argParser(wholeNumber(10, 1200)))
    .action(async (options: HeatmapOptions) => {
      const started = process.hrtime.bigint();
      const format = imageFormatOf(options.out);
      if (!format) throw new UsageError(`--out ${options.out}: expected a .png, .svg or .pdf file name`);
      if (options.matrix !== undefined && !matrixFormatOf(options.matrix)) {
        throw new UsageError(`--matrix ${options.matrix}: expected a .npy, .csv or .json file name`);
      }
      if (options.vmin !== undefined && options.vmax !== undefined && !(options.vmin < options.vmax)) {
        throw new UsageError(`--vmin ${options.vmin} must be below --vmax ${options.vmax}`);
      }
      checkWritableTarget('--out', options.out);
      if (options.matrix !== undefined) checkWritableTarget('--matrix', options.matrix);

      const result = await computeNtk(runConfig(options));
      const image = renderHeatmap(
        { values: result.kernel, rows: result.n, cols: result.n },
        { title: options.title, cmap: options.cmap, vmin: options.vmin, vmax: options.vmax, dpi: options.dpi },
        format,
      );
      if (options.matrix !== undefined) writeMatrixAtomic(options.matrix, result.kernel, result.n, result.n);
      writeFileAtomic(options.out, image);
      const total = Number(process.hrtime.bigint() - started) / 1e9;
      const outputs: Record<string, string> = { image: options.out };
      if (options.matrix !== undefined) outputs.matrix = options.matrix;
      printReport(runReport(options, result, total, outputs), `${describeRun(options, result)}; wrote ${options.out}`, options.json, false);
    });
  return command;
}
