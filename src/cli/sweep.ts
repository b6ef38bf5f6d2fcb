/** What `converge` and `drift` share: a sweep over widths of NTK-parameterised networks, and its chart. */
import type { Command } from 'commander';
import type { WidthSweep } from '../analysis/convergence';
import { linalgNameFor, type LinalgChoice } from '../linalg';
import { finiteWidth, INFINITE_WIDTH, mlpArchitecture, type Architecture, type ArchitectureEntry } from '../model/architecture';
import { estimateMemory, type RunConfig } from '../pipeline';
import type { PowerLawFit } from '../math/fit';
import { sweepPanel, type ImageFormat as ChartFormat, type Panel } from '../render';
import type { BackendChoice } from '../tfjs/backend';
import { extensionList, outputFormat } from './formats';
import { UsageError } from '../errors';
import { addOptions, checkArchFlags, HOST_BACKENDS, SWEEP_OPTIONS } from './options';
import { checkArchitectureShape } from './sources';
import { checkWritableTarget } from './outputs';
import { reportNumbers, type ReportNumber } from './reportNumbers';
import { checkBackendFlag, checkMemory } from './runtime';

export interface SweepFlags {
  widths: number[];
  /** --arch and --input-shape (converge): the layers instead of the MLP shorthand. */
  arch?: ArchitectureEntry[];
  inputShape?: number[];
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

/** Check a sweep's flags before any work; returns the chart format. */
export function checkSweep(flags: SweepFlags, command: Command): ChartFormat {
  const format = outputFormat('chart', '--out', flags.out) as ChartFormat;
  checkWritableTarget('--out', flags.out);
  checkBackendFlag(flags, command.getOptionValueSource('backend') === 'cli', Boolean(command.optsWithGlobals().quiet));
  const explicit = (key: string) => command.getOptionValueSource(key) === 'cli';
  checkArchFlags(flags, explicit, '--widths (against the infinite-width kernel)');
  if (flags.arch) {
    checkArchitectureShape(sweepArchitecture(flags));
    if (!flags.arch.some((entry) => Object.values(entry).includes('W'))) throw new UsageError(`--arch has no W: --widths sweeps the sizes written W`);
  }
  // The engines' estimates for the widest network's kernel and for K_∞, and one kept kernel per width.
  const network = { architecture: sweepArchitecture(flags), parameterization: 'ntk' as const, sigmaW: flags.sigmaW, sigmaB: flags.sigmaB };
  const config = { ...runConfigBase(flags), network: { ...network, width: finiteWidth(Math.max(...flags.widths)) } };
  const widest = estimateMemory(config, true, linalgNameFor(flags.linalg, flags.threads));
  const infinite = estimateMemory({ ...config, network: { ...network, width: INFINITE_WIDTH } }, true, 'openblas');
  const parts = { ...widest.parts, 'infinite-width kernel': infinite.parts.kernel, 'kept kernels': flags.widths.length * flags.samples * flags.samples * 4 };
  checkMemory({ total: Object.values(parts).reduce((a, b) => a + b, 0), parts }, undefined, 'lower --samples or the widest --widths, ');
  return format;
}

/** The parts of a RunConfig a sweep shares with a kernel run. */
function runConfigBase(flags: SweepFlags): Omit<RunConfig, 'network'> {
  return { kernel: 'ntk', samples: flags.samples, seed: flags.seed, method: 'structured', trace: 'sum', backend: flags.backend, linalg: flags.linalg, threads: flags.threads, quadrature: flags.quadrature };
}

/** The swept network: --arch on --input-shape (or --input-dim), else the MLP shorthand with `outputs` outputs. */
export function sweepArchitecture(flags: SweepFlags, outputs = 1): Architecture {
  if (flags.arch) return { input: flags.inputShape ?? [flags.inputDim], layers: flags.arch };
  return mlpArchitecture(flags.inputDim, flags.depth, outputs, flags.activation);
}

export function sweepOf(flags: SweepFlags): WidthSweep {
  return {
    widths: flags.widths,
    seeds: flags.seeds,
    seed: flags.seed,
    architecture: sweepArchitecture(flags),
    samples: flags.samples,
    sigmaW: flags.sigmaW,
    sigmaB: flags.sigmaB,
    quadrature: flags.quadrature,
  };
}

/** A sweep's numbers in the report, to 6 significant digits. */
export function round(values: number[]): ReportNumber[] {
  return reportNumbers(values, 6);
}

/** The panel both sweeps draw: a per-width quantity over seeds (geometric mean, range, fitted slope, theory's −1/2). */
export function sweepChartPanel(sweep: { widths: number[]; perSeed: number[][]; mean: number[]; fit: PowerLawFit }, labels: { title: string; yLabel: string }): Panel {
  const seeds = sweep.perSeed[0].length;
  return sweepPanel({
    title: labels.title,
    xLabel: 'width',
    yLabel: labels.yLabel,
    x: sweep.widths,
    y: sweep.mean,
    low: sweep.perSeed.map((row) => Math.min(...row)),
    high: sweep.perSeed.map((row) => Math.max(...row)),
    // One seed is its own value, with no range to draw.
    seriesLabel: seeds > 1 ? `geometric mean over ${seeds} seeds` : 'one seed',
    bandLabel: seeds > 1 ? `range over ${seeds} seeds` : '',
    fit: sweep.fit,
    referenceSlope: -0.5,
  });
}
