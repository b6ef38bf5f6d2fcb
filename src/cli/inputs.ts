/**
 * The inputs a run draws or reads, besides plain matrix files: points on a
 * circle or a sphere (`--inputs circle:N`, `sphere:N`), a real dataset with
 * its labels (`--dataset`), and labels for any inputs (`--labels`).
 */
import type { Command } from 'commander';
import { DATASETS, datasetSize, DEFAULT_SAMPLES, loadDataset, type DatasetName } from '../data/datasets';
import { circle, parseGenerated } from '../data/generated';
import { InputError, readFailure, UsageError } from '../errors';
import { LabelsFormatError, readLabels } from '../io/labels';
import { inputDimOf, type RunConfig } from '../pipeline';
import type { Samples } from '../types';
import type { ModelFlags } from './options';
import { noteInput } from './outputs';
import { explicit } from './weights';

export { DATASETS };

/** `circle:N` as samples (in the run's input dimension), or null for anything else. */
export function generatedSamples(flag: string, spec: string, config: RunConfig): Samples | 'sphere' | null {
  const generated = parseGenerated(spec);
  if (!generated) return null;
  if (!(generated.count >= 1 && Number.isSafeInteger(generated.count))) throw new UsageError(`${flag} ${spec}: ${generated.kind}:N needs a whole number N ≥ 1`);
  if (generated.kind === 'sphere') {
    if (flag !== '--inputs') throw new UsageError(`${flag} sphere:N: points on a sphere are drawn for --inputs only`);
    return 'sphere';
  }
  // In the network's input space: the first two coordinates vary, the other d − 2 are 0 (d = 20 by default).
  const dim = inputDimOf(config);
  if (dim < 2) throw new UsageError(`${flag} ${spec}: points on a circle need --input-dim 2 or more`);
  return circle(generated.count, dim);
}

/** --dataset: the samples (a stratified subset when --samples says how many) and their labels. */
export function datasetSamples(name: DatasetName, flags: Pick<ModelFlags, 'samples' | 'seed'>, command: Command): Samples & { labels: string[] } {
  const size = datasetSize(name);
  const count = explicit(command, 'samples') ? flags.samples : DEFAULT_SAMPLES[name];
  if (count !== null && count > size) throw new UsageError(`--samples ${count}: --dataset ${name} has ${size} samples`);
  return loadDataset(name, count, flags.seed);
}

/** --labels: one class per sample, `count` of them. */
export function labelsFile(file: string, count: number): string[] {
  noteInput('--labels', file);
  let labels: string[];
  try {
    labels = readLabels(file, count);
  } catch (error) {
    if (error instanceof LabelsFormatError) throw new InputError(`--labels ${file}: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code) throw new InputError(`--labels ${file}: ${readFailure(error)}`);
    throw error;
  }
  if (labels.length !== count) throw new UsageError(`--labels ${file}: ${labels.length} labels for ${count} samples`);
  return labels;
}
