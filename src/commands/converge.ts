/** `ntk-cli converge`: the distance of empirical NTKs from the analytic limit against width, as a log-log chart. */
import { Command } from 'commander';
import { outputFormat } from '../cli/formats';
import { addOptions } from '../cli/options';
import { checkWritableTarget, writeOutput } from '../cli/outputs';
import { printReport, type GlobalFlags } from '../cli/report';
import { addSweepOptions, checkSweep, round, sweepChartPanel, sweepOf, type SweepFlags } from '../cli/sweep';
import { convergence } from '../analysis/convergence';
import { openLinalg } from '../linalg';
import { kernelSource } from '../pipeline';
import { renderHeatmapStrip, renderPanels } from '../render';

type ConvergeFlags = SweepFlags & { strip?: string };

export function convergeCommand(): Command {
  const command = new Command('converge');
  addOptions(addSweepOptions(command, 'converge.png'), ['arch', 'inputShape'])
    .option('--strip <file>', 'also draw K at the narrowest and widest width and K_∞ on one colour scale (.png)')
    .action(async (flags: ConvergeFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const format = checkSweep(flags, cmd);
      if (flags.strip !== undefined) {
        outputFormat('strip', '--strip', flags.strip, false);
        checkWritableTarget('--strip', flags.strip);
      }
      const { linalg, backend } = await openLinalg(flags.linalg, flags.threads, flags.backend);
      const result = convergence(sweepOf(flags), kernelSource(linalg, backend));
      const panel = sweepChartPanel(
        { widths: result.widths, perSeed: result.distances, mean: result.mean, fit: result.fit },
        { title: flags.title ?? `NTK convergence to the infinite-width limit${flags.arch ? '' : ` (${flags.activation}, depth ${flags.depth})`}`, yLabel: '‖K_w − K_∞‖ / ‖K_∞‖' },
      );
      const chart = renderPanels([panel], format);
      writeOutput('--out', flags.out, chart);
      if (flags.strip !== undefined) {
        const last = result.widths.length - 1;
        const panels = [
          { title: `width ${result.widths[0]}`, values: result.kernels[0] },
          { title: `width ${result.widths[last]}`, values: result.kernels[last] },
          { title: 'width ∞ (analytic)', values: result.analytic },
        ];
        writeOutput('--strip', flags.strip, renderHeatmapStrip(panels, flags.samples));
      }
      const report = {
        widths: result.widths,
        distances: result.distances.map(round),
        mean: round(result.mean),
        slope: Number(result.fit.slope.toPrecision(6)),
        linalg: linalg.name,
        backend,
        outputs: { chart: flags.out, ...(flags.strip ? { strip: flags.strip } : {}) },
      };
      const summary = `relative distance to K_∞ from ${result.mean[0].toPrecision(3)} (width ${result.widths[0]}) to ${result.mean[result.mean.length - 1].toPrecision(3)} (width ${result.widths[result.widths.length - 1]}), ${Number.isFinite(result.fit.slope) ? `fitted slope ${result.fit.slope.toFixed(3)}` : 'no power law to fit (no value above 0)'}; wrote ${flags.out}`;
      await printReport(report, summary, globals, false);
    });
  return command;
}
