/** `ntk-cli drift`: how much full-batch training moves the NTK, against width, as a log-log chart. */
import { Command, Option } from 'commander';
import { writeOutput } from '../cli/outputs';
import { finiteNumber, wholeNumber } from '../cli/parsers';
import { printReport } from '../cli/report';
import { addSweepOptions, checkSweep, renderSweepChart, round, sweepOf, type SweepFlags } from '../cli/sweep';
import { UsageError } from '../errors';
import { drift } from '../experiments/drift';
import { readTargets } from '../cli/matrices';
import { openLinalg } from '../linalg';

type DriftFlags = SweepFlags & { steps: number; lr: number; targets?: string };

export function driftCommand(): Command {
  const command = new Command('drift');
  addSweepOptions(command, 'drift.png')
    .addOption(new Option('--steps <n>', 'full-batch gradient-descent steps').default(100).argParser(wholeNumber(1, 100000)))
    .addOption(new Option('--lr <x>', 'learning rate η').default(1).argParser(finiteNumber(0)))
    .option('--targets <file>', 'regression targets, one per sample (.npy or .csv); default sin(2·x₀)')
    .action(async (flags: DriftFlags, cmd: Command) => {
      const { json } = cmd.optsWithGlobals();
      const format = checkSweep(flags);
      const targets = flags.targets === undefined ? undefined : readTargets('--targets', flags.targets, flags.samples);
      if (targets && targets.cols !== 1) throw new UsageError(`--targets ${flags.targets}: ${targets.cols} columns; drift trains one output`);
      const { linalg, backend } = await openLinalg(flags.linalg, flags.threads, flags.backend);
      const result = drift({ ...sweepOf(flags), steps: flags.steps, learningRate: flags.lr, targets: targets ? Float32Array.from(targets.values) : undefined }, linalg);
      const chart = renderSweepChart(
        { widths: result.widths, perSeed: result.drift, mean: result.mean, fit: result.fit },
        { title: flags.title ?? `NTK change after ${flags.steps} steps of gradient descent (η = ${flags.lr})`, yLabel: '‖K_T − K_0‖ / ‖K_0‖' },
        format,
      );
      writeOutput('--out', flags.out, chart);
      const report = {
        widths: result.widths,
        drift: result.drift.map(round),
        mean: round(result.mean),
        final_loss: result.finalLoss.map(round),
        slope: Number(result.fit.slope.toPrecision(6)),
        steps: flags.steps,
        lr: flags.lr,
        linalg: linalg.name,
        backend,
        outputs: { chart: flags.out },
      };
      const summary = `relative kernel change from ${result.mean[0].toPrecision(3)} (width ${result.widths[0]}) to ${result.mean[result.mean.length - 1].toPrecision(3)} (width ${result.widths[result.widths.length - 1]}), fitted slope ${result.fit.slope.toFixed(3)}; wrote ${flags.out}`;
      printReport(report, summary, json, false);
    });
  return command;
}
