/** `ntk-cli drift`: how much full-batch training moves the NTK, against width, as a log-log chart. */
import { Command, Option } from 'commander';
import { writeOutput } from '../cli/outputs';
import { finiteNumber, wholeNumber } from '../cli/parsers';
import { printReport, type GlobalFlags } from '../cli/report';
import { trainingFailure } from '../cli/runtime';
import { addSweepOptions, checkSweep, round, sweepArchitecture, sweepChartPanel, sweepOf, type SweepFlags } from '../cli/sweep';
import { UsageError } from '../errors';
import { drift, oneHotTargets } from '../analysis/drift';
import { DATASETS, type DatasetName } from '../data/datasets';
import { datasetSamples, labelsFile } from '../cli/inputs';
import { classesOf, classesReport } from '../cli/labels';
import { readTargets } from '../cli/matrices';
import { openLinalg } from '../linalg';
import { kernelSource } from '../pipeline';
import { alignmentPanel, renderPanels } from '../render';

type DriftFlags = SweepFlags & { steps: number; lr: number; targets?: string; dataset?: DatasetName; labels?: string };

export function driftCommand(): Command {
  const command = new Command('drift');
  addSweepOptions(command, 'drift.png')
    .addOption(new Option('--steps <n>', 'full-batch gradient-descent steps').default(100).argParser(wholeNumber(1, 100000)))
    .addOption(new Option('--lr <x>', 'learning rate η').default(1).argParser(finiteNumber(0)))
    .option('--targets <file>', 'regression targets, one row per sample (.npy or .csv); default sin(2·x₀), or the centred one-hot classes with labels')
    .addOption(new Option('--dataset <name>', 'train on a dataset shipped with ntk-cli (standardised features) and follow the alignment with its labels').choices(DATASETS))
    .option('--labels <file>', "classes of the sweep's inputs (one per line, or .npy): train on them and follow the kernel's alignment with them")
    .action(async (flags: DriftFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const format = checkSweep(flags, cmd);
      if (flags.dataset !== undefined && flags.labels !== undefined) throw new UsageError(`--dataset ${flags.dataset} brings its own labels; --labels contradicts it`);
      let inputs;
      let labels: string[] | null = null;
      if (flags.dataset !== undefined) {
        const data = datasetSamples(flags.dataset, flags, cmd);
        inputs = { values: data.values, count: data.count, dim: data.dim };
        labels = data.labels;
      } else if (flags.labels !== undefined) labels = labelsFile(flags.labels, flags.samples);
      const samples = inputs?.count ?? flags.samples;
      const classes = labels ? classesOf(labels) : undefined;
      let targets: Float32Array | undefined;
      let outputs = 1;
      if (flags.targets !== undefined) {
        const read = readTargets('--targets', flags.targets, samples);
        [targets, outputs] = [Float32Array.from(read.values), read.cols];
      } else if (classes) [targets, outputs] = [oneHotTargets(classes), classes.names.length];
      const { linalg, backend } = await openLinalg(flags.linalg, flags.threads, flags.backend);
      const sweep = { ...sweepOf(flags), inputs, samples, architecture: sweepArchitecture({ ...flags, inputDim: inputs?.dim ?? flags.inputDim }, outputs) };
      let result;
      try {
        result = drift({ ...sweep, steps: flags.steps, learningRate: flags.lr, targets, classes }, linalg, kernelSource(linalg, backend));
      } catch (error) {
        throw trainingFailure(error, '--lr', flags.lr);
      }
      const panels = [
        sweepChartPanel(
          { widths: result.widths, perSeed: result.drift, mean: result.mean, fit: result.fit },
          { title: flags.title ?? `NTK change after ${flags.steps} steps of gradient descent (η = ${flags.lr})`, yLabel: '‖K_T − K_0‖ / ‖K_0‖' },
        ),
      ];
      if (result.alignment) {
        panels.push(alignmentPanel(result.alignment, flags.seeds));
      }
      const chart = renderPanels(panels, format);
      writeOutput('--out', flags.out, chart);
      const report = {
        widths: result.widths,
        drift: result.drift.map(round),
        mean: round(result.mean),
        final_loss: result.finalLoss.map(round),
        slope: Number(result.fit.slope.toPrecision(6)),
        steps: flags.steps,
        lr: flags.lr,
        ...(result.alignment
          ? { dataset: flags.dataset ?? null, classes: classesReport(classes!), alignment: result.alignment.map((a) => ({ width: a.width, steps: a.steps, centered_alignment: round(a.mean) })) }
          : {}),
        linalg: linalg.name,
        backend,
        outputs: { chart: flags.out },
      };
      const summary = `relative kernel change from ${result.mean[0].toPrecision(3)} (width ${result.widths[0]}) to ${result.mean[result.mean.length - 1].toPrecision(3)} (width ${result.widths[result.widths.length - 1]}), ${Number.isFinite(result.fit.slope) ? `fitted slope ${result.fit.slope.toFixed(3)}` : 'no power law to fit (no value above 0)'}; wrote ${flags.out}`;
      await printReport(report, summary, globals, false);
    });
  return command;
}
