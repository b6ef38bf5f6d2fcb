/**
 * What labels add to a kernel command: the classes for --json, kernel–target
 * alignment, and the class-sorted order and groups a heatmap is drawn in.
 */
import { reportNumber, type ReportNumber } from './reportNumbers';
import { Option, type Command } from 'commander';
import { AlignmentAccumulator, kernelAlignment, type Alignment } from '../analysis/alignment';
import { classBoundaries, classesOf, permuteSymmetric, sortByClass, type Classes } from '../analysis/labels';
import { UsageError } from '../errors';
import type { RowChunks } from '../types';
import type { Groups } from '../render';

export const SORT_ORDERS = ['label', 'none'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export function addSortOption(command: Command): Command {
  return command.addOption(new Option('--sort-by <order>', 'with labels: draw rows and columns by class (label, the default) or as given (none)').choices(SORT_ORDERS));
}

/** The alignments as --json gives them. */
export function alignmentReport(alignment: Alignment): { alignment: ReportNumber; centered_alignment: ReportNumber } {
  return { alignment: reportNumber(alignment.alignment), centered_alignment: reportNumber(alignment.centeredAlignment) };
}

/** Refuse labels where a kernel is not sample × sample. */
export function checkLabelledKernel(labels: string[] | null, rows: number, cols: number, samples: number): void {
  if (!labels) return;
  if (rows !== samples || cols !== samples) throw new UsageError('labels go with a kernel of samples × samples: not with --trace none or --inputs2');
}

export function classesReport(classes: Classes): { names: string[]; sizes: number[] } {
  return { names: classes.names, sizes: classes.sizes };
}

/** The alignments of a kernel in memory or streamed by rows. */
export function alignmentWith(classes: Classes, kernel: ArrayLike<number> | RowChunks): Alignment {
  if ('forEachChunk' in kernel) {
    const accumulator = new AlignmentAccumulator(classes);
    kernel.forEachChunk((start, values, count) => accumulator.addRows(start, values, count));
    return accumulator.result();
  }
  return kernelAlignment(kernel, classes);
}

/** The kernel in class order with its class groups, or as given, as --sort-by asks. */
export function sortedForPicture(
  values: ArrayLike<number>,
  n: number,
  classes: Classes | null,
  sortBy: SortOrder | undefined,
): { values: ArrayLike<number>; groups?: { rows: Groups; cols: Groups } } {
  if (!classes) {
    if (sortBy === 'label') throw new UsageError('--sort-by label needs labels: --labels or --dataset');
    return { values };
  }
  if (sortBy === 'none') return { values };
  const groups = { boundaries: classBoundaries(classes), names: classes.names };
  return { values: permuteSymmetric(values, n, sortByClass(classes)), groups: { rows: groups, cols: groups } };
}

export { classesOf };
