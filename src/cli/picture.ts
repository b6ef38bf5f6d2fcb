/** Draw a matrix with the picture flags and write it: the last step of `heatmap` and `render`. */
import { UsageError } from '../errors';
import { isRenderError, NormError, renderHeatmap, type Groups, type ImageFormat, type Matrix, type StreamedMatrix } from '../render';
import { writeOutput, writeStdout } from './outputs';
import { heatmapOptionsOf, type PictureFlags } from './pictureOptions';

export interface PictureReport {
  file: string;
  format: ImageFormat;
  width: number;
  height: number;
  cmap: string;
  /** linthresh with symlog: the one drawn, given or the default. */
  norm: { kind: string; vmin: number; vmax: number; linthresh?: number };
  nan_cells: number;
  infinite_cells: number;
  downsample: { mode: string; from: [number, number]; to: [number, number] } | null;
}

/** Lines every `size` rows and columns: the samples' blocks of a kernel over `size` outputs. */
export function everyBlock(count: number, size: number): Groups {
  return { boundaries: Array.from({ length: Math.max(0, Math.ceil(count / size) - 1) }, (_, k) => (k + 1) * size) };
}

export function drawPicture(
  matrix: Matrix | StreamedMatrix,
  flags: PictureFlags,
  format: ImageFormat,
  groups?: { rows?: Groups; cols?: Groups },
): { image: Buffer; report: PictureReport } {
  try {
    const options = heatmapOptionsOf(flags);
    const result = renderHeatmap(matrix, { ...options, groups }, format);
    return {
      image: result.image,
      report: {
        file: flags.out,
        format,
        width: result.width,
        height: result.height,
        cmap: `${options.cmap}${options.reverse ? ' (reversed)' : ''}`,
        norm: { kind: result.norm.kind, vmin: result.norm.vmin, vmax: result.norm.vmax, ...(result.norm.kind === 'symlog' ? { linthresh: result.norm.linthresh } : {}) },
        nan_cells: result.nanCells,
        infinite_cells: result.infiniteCells,
        downsample: result.downsampled,
      },
    };
  } catch (error) {
    if (error instanceof NormError || isRenderError(error)) throw new UsageError((error as Error).message);
    throw error;
  }
}

export async function writePicture(out: string, image: Buffer): Promise<void> {
  if (out === '-') await writeStdout(image);
  else writeOutput('--out', out, image);
}

function cells(count: number): string {
  return count === 1 ? '1 cell' : `${count} cells`;
}

export function describePicture(report: PictureReport): string {
  const notes: string[] = [];
  if (report.downsample) {
    const { mode, from, to } = report.downsample;
    notes.push(`${from[0]}×${from[1]} cells shown as ${to[0]}×${to[1]} pixels by block ${mode}`);
  }
  if (report.nan_cells > 0) {
    // A downsampled block is magenta only when every cell in it is NaN; otherwise it shows the others.
    const shown = report.downsample ? 'magenta only where a whole block is NaN' : 'drawn in magenta';
    notes.push(`${cells(report.nan_cells)} NaN (${shown})`);
  }
  if (report.infinite_cells > 0) notes.push(`${cells(report.infinite_cells)} ±Inf (drawn in the end colours)`);
  const where = report.file === '-' ? 'PNG to stdout' : report.file;
  return `wrote ${where} (${report.width}×${report.height})${notes.length ? '; ' + notes.join('; ') : ''}`;
}
