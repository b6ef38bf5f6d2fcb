/** What `converge` and `drift` share: a sweep over widths of NTK-parameterised networks, and its chart. */
import type { Command } from 'commander';
import type { WidthSweep } from '../analysis/convergence';
import type { LinalgChoice } from '../linalg';
import type { PowerLawFit } from '../math/fit';
import type { ImageFormat as ChartFormat } from '../render/encode';
import type { Panel } from '../render/plot';
import type { BackendChoice } from '../tfjs/backend';
import { extensionList, outputFormat } from './formats';
import { addOptions, HOST_BACKENDS, SWEEP_OPTIONS } from './options';
import { checkWritableTarget } from './outputs';
import { checkBackendFlag, checkMemory } from './runtime';

export interface SweepFlags {
  widths: number[];
  seeds: number;
  depth: number;
  inputDim: number;
  samples: number;
  seed: bigint;
  activation: string;
  sigmaW: number;
  sigmaB: number;
  quadrature?: number;
  linalg: LinalgChoice;
  backend: BackendChoice;
  threads: number;
  out: string;
  title?: string;
}

export function addSweepOptions(command: Command, defaultOut: string): Command {
  return addOptions(command, SWEEP_OPTIONS, {
    seed: { description: 'inputs: torch.manual_seed(seed); replicate s: torch.manual_seed(seed + 1 + s)' },
    samples: { description: 'number of inputs x ~ N(0, I), shared by every network' },
    backend: HOST_BACKENDS,
  })
    .option('-o, --out <file>', `chart: ${extensionList('chart')}`, defaultOut)
    .option('--title <text>', 'chart title');
}

const MB = 1 << 20;

/** Check a sweep's flags before any work; returns the chart format. */
export function checkSweep(flags: SweepFlags, command: Command): ChartFormat {
  const format = outputFormat('chart', '--out', flags.out) as ChartFormat;
  checkWritableTarget('--out', flags.out);
  checkBackendFlag(flags, command.getOptionValueSource('backend') === 'cli', Boolean(command.optsWithGlobals().quiet));
  // K_∞ (NTK and NNGP, float64), one kept float32 kernel per width, two working ones.
  const cells = flags.samples * flags.samples;
  const kernels = cells * (16 + 4 * (flags.widths.length + 2));
  const factors = flags.samples * 4 * (flags.inputDim + 3 * Math.max(...flags.widths)) * flags.depth;
  checkMemory({ total: 250 * MB + kernels + factors, parts: { runtime: 250 * MB, kernels, factors } }, undefined, 'lower --samples or the widest --widths, ');
  return format;
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
    quadrature: flags.quadrature,
  };
}

export function round(values: number[]): number[] {
  return values.map((v) => Number(v.toPrecision(6)));
}

/** The panel both sweeps draw: a per-width quantity over seeds (geometric mean, range, fitted slope, theory's −1/2). */
export function sweepChartPanel(sweep: { widths: number[]; perSeed: number[][]; mean: number[]; fit: PowerLawFit }, labels: { title: string; yLabel: string }): Panel {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { sweepPanel } = require('../render/sweepChart') as typeof import('../render/sweepChart');
  const seeds = sweep.perSeed[0].length;
  return sweepPanel({
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
  });
}

/** Draw panels side by side as one figure. */
export function renderPanels(panels: Panel[], format: ChartFormat): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderFigure } = require('../render/plot') as typeof import('../render/plot');
  return renderFigure({ panels }, format);
}
