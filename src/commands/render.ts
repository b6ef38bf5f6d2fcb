/** `ntk-cli render MATRIX`: draw any 2-D matrix from .npy or .csv the way `heatmap` draws a kernel. */
import fs = require('node:fs');
import { Command, Option } from 'commander';
import { checkWritableTarget, noteInput } from '../cli/outputs';
import { describePicture, drawPicture, everyBlock, writePicture } from '../cli/picture';
import { labelsFile } from '../cli/inputs';
import { addSortOption, classesOf, sortedForPicture, type SortOrder } from '../cli/labels';
import { LIMITS, wholeNumber } from '../cli/parsers';
import { addPictureOptions, checkPictureFlags, type PictureFlags } from '../cli/pictureOptions';
import { printReport, type GlobalFlags } from '../cli/report';
import { InputError, UsageError } from '../errors';
import { readFlagMatrix } from '../cli/matrices';
import { NpyFormatError } from '../io/npy';
import { npyRowChunks } from '../io/npyRows';
import { streamedMatrix, type Matrix, type StreamedMatrix } from '../render';

/**
 * A .npy this large is drawn from a streamed block reduction (two passes over
 * the file, 32 MB at a time) instead of being read whole; below it, reading
 * whole keeps float32 arithmetic exact for pictures with one pixel per cell.
 */
const STREAM_BYTES = 256 << 20;

function streams(file: string, flags: PictureFlags): boolean {
  if (flags.bare || file === '-' || !file.toLowerCase().endsWith('.npy')) return false;
  try {
    return fs.statSync(file).size > STREAM_BYTES;
  } catch {
    return false; // the reader names what is wrong with it
  }
}

export function renderCommand(): Command {
  const command = new Command('render').argument('<matrix>', 'a .npy, .csv or the .json `kernel` writes, or - for CSV on stdin');
  addPictureOptions(command, 'heatmap.png')
    .addOption(new Option('--trace <t>', "none: the matrix is a kernel over outputs (`--trace none`), drawn with lines between samples' blocks").choices(['none']))
    .addOption(new Option('--output-dim <n>', 'with --trace none: outputs per sample').argParser(wholeNumber(1, LIMITS.outputDim)))
    .option('--labels <file>', 'one class per row of a square matrix (.npy of numbers, or text with one label per line): drawn sorted by class');
  addSortOption(command).action(async (file: string, flags: PictureFlags & { trace?: 'none'; outputDim?: number; labels?: string; sortBy?: SortOrder }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const { json } = globals;
      const format = checkPictureFlags(flags, json, (key) => cmd.getOptionValueSource(key) === 'cli');
      if (flags.out !== '-') checkWritableTarget('--out', flags.out);
      if (flags.sortBy === 'label' && flags.labels === undefined) throw new UsageError('--sort-by label needs labels: --labels');
      noteInput('MATRIX', file);
      let matrix: Matrix | StreamedMatrix;
      try {
        // Sorting by class permutes the matrix in memory, so a labelled one is read whole.
        const chunks = streams(file, flags) && flags.labels === undefined ? npyRowChunks(file) : null;
        matrix = chunks ? streamedMatrix(chunks) : readFlagMatrix(null, file, { anyValues: true });
      } catch (error) {
        if (error instanceof NpyFormatError) throw new InputError(`${file}: ${error.message}`);
        throw error;
      }
      if ((flags.trace === 'none') !== (flags.outputDim !== undefined)) throw new UsageError('--trace none and --output-dim go together: the outputs per sample');
      const o = flags.outputDim ?? 1;
      if (matrix.rows % o !== 0 || matrix.cols % o !== 0) throw new UsageError(`--output-dim ${o}: the ${matrix.rows}×${matrix.cols} matrix is not made of ${o}×${o} blocks`);
      let groups = o > 1 ? { rows: everyBlock(matrix.rows, o), cols: everyBlock(matrix.cols, o) } : undefined;
      // Without labels there is nothing to sort by (--sort-by none is the order as given), and a large file stays streamed.
      if (flags.labels !== undefined) {
        if (o > 1) throw new UsageError('--labels goes with a matrix of samples × samples, not --trace none');
        if (matrix.rows !== matrix.cols) throw new UsageError(`--labels: sorting by class needs a square matrix; this one is ${matrix.rows}×${matrix.cols}`);
        const classes = classesOf(labelsFile(flags.labels, matrix.rows));
        const whole = matrix as Matrix;
        const sorted = sortedForPicture(whole.values, whole.rows, classes, flags.sortBy);
        matrix = { values: sorted.values, rows: matrix.rows, cols: matrix.cols };
        groups = sorted.groups;
      }
      const { image, report: picture } = drawPicture(matrix, flags, format, groups);
      await writePicture(flags.out, image);
      const report = { matrix: { file, shape: [matrix.rows, matrix.cols] }, picture };
      await printReport(report, `${file}: ${matrix.rows}×${matrix.cols} matrix; ${describePicture(picture)}`, globals, flags.out === '-');
    });
  return command;
}
