/** Flags shared by `converge` and `drift`: a sweep over widths of NTK-parameterised networks. */
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors';
import { ANALYTIC_ACTIVATIONS, type AnalyticActivation } from '../kernel/analytic';
import { BACKEND_CHOICES, type BackendChoice } from '../kernel/backend';
import type { WidthSweep } from '../experiments/convergence';
import { renderLogLogChart, type ChartFormat, type PowerLawFit } from '../render/charts';
import { finiteNumber, LIMITS, parseSeed, wholeNumber } from './options';
import { checkWritableTarget } from './outputs';

export interface SweepFlags {
  widths: number[];
  seeds: number;
  depth: number;
  inputDim: number;
  samples: number;
  seed: bigint;
  activation: AnalyticActivation;
  sigmaW: number;
  sigmaB: number;
  backend: BackendChoice;
  out: string;
  title?: string;
  json?: boolean;
}

function parseWidths(value: string): number[] {
  const parse = wholeNumber(1, LIMITS.width);
  const widths = value.split(',').map((v) => parse(v));
  if (new Set(widths).size < 2) throw new InvalidArgumentError('expected at least two different widths, e.g. 16,64,256,1024,4096.');
  return [...new Set(widths)].sort((a, b) => a - b);
}

export function addSweepOptions(command: Command, defaultOut: string): Command {
  return command
    .addOption(new Option('--widths <list>', 'comma-separated hidden widths').default([16, 64, 256, 1024, 4096], '16,64,256,1024,4096').argParser(parseWidths))
    .addOption(new Option('--seeds <n>', 'networks per width (a band over them is drawn)').default(5).argParser(wholeNumber(1, 100)))
    .addOption(new Option('--depth <n>', 'number of hidden layers').default(1).argParser(wholeNumber(1, 20)))
    .addOption(new Option('--input-dim <n>', 'input dimension d').default(20).argParser(wholeNumber(1, 4096)))
    .addOption(new Option('--samples <n>', 'number of inputs x ~ N(0, I), shared by every network').default(100).argParser(wholeNumber(2, 2000)))
    .addOption(new Option('--seed <s>', 'inputs: torch.manual_seed(seed); replicate s: torch.manual_seed(seed + 1 + s)').default(0n, '0').argParser(parseSeed))
    .addOption(new Option('--activation <name>', 'activations with a closed-form limit').choices(ANALYTIC_ACTIVATIONS).default('relu'))
    .addOption(new Option('--sigma-w <x>', 'weight scale σ_w (NTK parameterization)').default(1).argParser(finiteNumber(0)))
    .addOption(new Option('--sigma-b <x>', 'bias scale σ_b').default(1).argParser(finiteNumber(-1e-300)))
    .addOption(new Option('--backend <b>', 'TensorFlow.js backend').choices(BACKEND_CHOICES).default('auto'))
    .option('-o, --out <file>', 'chart: .png or .svg', defaultOut)
    .option('--title <text>', 'chart title')
    .option('--json', 'print the numbers as JSON on stdout')
    .option('--debug', 'print stack traces on errors');
}

export function chartFormatOf(flag: string, file: string): ChartFormat {
  const ext = path.extname(file).slice(1).toLowerCase();
  if (ext !== 'png' && ext !== 'svg') throw new UsageError(`${flag} ${file}: expected a .png or .svg file name`);
  checkWritableTarget(flag, file);
  return ext;
}

export function sweepOf(flags: SweepFlags): WidthSweep {
  return {
    widths: flags.widths,
    seeds: flags.seeds,
    seed: flags.seed,
    inputDim: flags.inputDim,
    depth: flags.depth,
    samples: flags.samples,
    activation: flags.activation,
    sigmaW: flags.sigmaW,
    sigmaB: flags.sigmaB,
  };
}

export function round(values: number[]): number[] {
  return values.map((v) => Number(v.toPrecision(6)));
}

/** The chart both sweeps draw: a per-width quantity over seeds (geometric mean, range, fitted slope, theory's −1/2). */
export function renderSweepChart(
  sweep: { widths: number[]; perSeed: number[][]; mean: number[]; fit: PowerLawFit },
  labels: { title: string; yLabel: string },
  format: ChartFormat,
): Promise<Buffer> {
  const seeds = sweep.perSeed[0].length;
  return renderLogLogChart(
    {
      title: labels.title,
      xLabel: 'width',
      yLabel: labels.yLabel,
      x: sweep.widths,
      y: sweep.mean,
      low: sweep.perSeed.map((row) => Math.min(...row)),
      high: sweep.perSeed.map((row) => Math.max(...row)),
      seriesLabel: `geometric mean over ${seeds} seeds`,
      bandLabel: `range over ${seeds} seeds`,
      fit: sweep.fit,
      referenceSlope: -0.5,
    },
    format,
  );
}
