/** `ntk-cli render MATRIX`: draw any 2-D matrix from .npy or .csv the way `heatmap` draws a kernel. */
import { Command } from 'commander';
import { InputError } from '../errors';
import { MatrixFileError, readMatrixFile } from '../io/matrixFile';
import { checkWritableTarget } from './outputs';
import { describePicture, drawPicture, writePicture } from './picture';
import { addPictureOptions, checkPictureFlags, type PictureFlags } from './renderOptions';
import { printReport } from './report';

export function renderCommand(): Command {
  const command = new Command('render')
    .description("draw a 2-D matrix (.npy, or .csv; '-' reads CSV from stdin) as a heatmap")
    .argument('<matrix>', 'a .npy or .csv file, or - for CSV on stdin');
  addPictureOptions(command, 'heatmap.png')
    .option('--json', 'print a JSON summary on stdout')
    .option('--debug', 'print stack traces on errors')
    .action((file: string, flags: PictureFlags) => {
      const format = checkPictureFlags(flags);
      if (flags.out !== '-') checkWritableTarget('--out', flags.out);
      let matrix;
      try {
        matrix = readMatrixFile(file);
      } catch (error) {
        if (error instanceof MatrixFileError) throw new InputError(error.message);
        throw error;
      }
      const { image, report: picture } = drawPicture(matrix, flags, format);
      writePicture(flags.out, image);
      const report = { matrix: { file, shape: [matrix.rows, matrix.cols] }, picture };
      printReport(report, `${file}: ${matrix.rows}×${matrix.cols} matrix; ${describePicture(picture)}`, flags.json, flags.out === '-');
    });
  return command;
}
