/** `ntk-cli angle`: Θ(x₀, x(γ)) against the angle γ, per width with a band over seeds, and the infinite-width limit. */
import { Command, Option } from 'commander';
import { extensionList, outputFormat } from '../cli/formats';
import { addOptions, HOST_BACKENDS, type OptionName } from '../cli/options';
import { checkWritableTarget, writeOutput } from '../cli/outputs';
import { finiteNumber, wholeNumber, widthList } from '../cli/parsers';
import { printReport, type GlobalFlags } from '../cli/report';
import { reportNumbers } from '../cli/reportNumbers';
import { checkBackendFlag, trainingFailure } from '../cli/runtime';
import { explicit } from '../cli/weights';
import { UsageError } from '../errors';
import { angleSweep, type AngleSweep } from '../analysis/angle';
import { openLinalg, type LinalgChoice } from '../linalg';
import { kernelSource } from '../pipeline';
import { renderAngleChart, type ImageFormat as ChartFormat } from '../render';
import type { BackendChoice } from '../tfjs/backend';

type AngleFlags = Omit<AngleSweep, 'learningRate'> & { lr: number; out: string; title?: string; linalg: LinalgChoice; backend: BackendChoice; threads: number };

const OPTIONS: OptionName[] = ['widths', 'seeds', 'depth', 'inputDim', 'seed', 'activation', 'parameterization', 'sigmaW', 'sigmaB', 'quadrature', 'linalg', 'backend', 'threads'];

export function angleCommand(): Command {
  const command = new Command('angle');
  addOptions(command, OPTIONS, {
    widths: { default: [16, 256, 4096], defaultDescription: '16,256,4096', description: 'comma-separated hidden widths, one or more', parser: widthList(false) },
    inputDim: { default: 2, description: 'input dimension d (x₀ and x(γ) lie in the first two coordinates)' },
    seed: { description: 'replicate s is the network drawn after torch.manual_seed(seed + 1 + s)' },
    parameterization: { default: 'ntk', description: 'ntk (the default here: its kernel has an infinite-width limit to draw) or standard (PyTorch nn.Linear)' },
    backend: HOST_BACKENDS,
  })
    .addOption(new Option('--points <n>', 'angles from −π to π').default(181).argParser(wholeNumber(3, 100000)))
    .addOption(new Option('--steps <n>', 'train each network first: full-batch gradient descent on the circle points, target sin(2·x₀)').default(0).argParser(wholeNumber(0, 100000)))
    .addOption(new Option('--lr <x>', 'learning rate of that training').default(1).argParser(finiteNumber(0)))
    .option('-o, --out <file>', `chart: ${extensionList('chart')}`, 'angle.png')
    .option('--title <text>', 'chart title')
    .action(async (flags: AngleFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const format = outputFormat('chart', '--out', flags.out) as ChartFormat;
      checkWritableTarget('--out', flags.out);
      if (flags.inputDim < 2) throw new UsageError('--input-dim: the angle lies in a plane, so d must be at least 2');
      if ((explicit(cmd, 'sigmaW') || explicit(cmd, 'sigmaB')) && flags.parameterization !== 'ntk') throw new UsageError('--sigma-w and --sigma-b go with --parameterization ntk');
      if (explicit(cmd, 'lr') && flags.steps === 0) throw new UsageError('--lr goes with --steps (the training before the kernel is measured)');
      checkBackendFlag(flags, explicit(cmd, 'backend'), Boolean(globals.quiet));
      const { linalg, backend } = await openLinalg(flags.linalg, flags.threads, flags.backend);
      let result;
      try {
        result = angleSweep({ ...flags, learningRate: flags.lr }, linalg, kernelSource(linalg, backend));
      } catch (error) {
        throw trainingFailure(error, '--lr', flags.lr);
      }
      const trained = flags.steps > 0 ? ` after ${flags.steps} steps of training` : '';
      const title = flags.title ?? `NTK against the angle (${flags.activation}, depth ${flags.depth}${trained})`;
      writeOutput('--out', flags.out, renderAngleChart({ title, ...result, seeds: flags.seeds }, format));
      const round = (values: number[]) => reportNumbers(values, 10);
      const report = {
        angles: round(result.angles),
        analytic: result.analytic ? round(result.analytic) : null,
        empirical: result.empirical.map((e) => ({ width: e.width, mean: round(e.mean), min: round(e.min), max: round(e.max) })),
        steps: flags.steps,
        linalg: linalg.name,
        backend,
        outputs: { chart: flags.out },
      };
      const widest = result.empirical[result.empirical.length - 1];
      const gap = result.analytic ? Math.max(...widest.mean.map((v, i) => Math.abs(v - result.analytic![i]))) / Math.max(...result.analytic.map(Math.abs)) : null;
      const note = gap === null ? 'no infinite-width limit drawn' : `width ${widest.width} within ${(100 * gap).toFixed(2)}% of the limit`;
      await printReport(report, `Θ(x₀, x(γ)) at ${flags.points} angles for widths ${flags.widths.join(', ')} (${flags.seeds} seeds each): ${note}; wrote ${flags.out}`, globals, false);
    });
  return command;
}
