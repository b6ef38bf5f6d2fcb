/** `ntk-cli converge`: the distance of empirical NTKs from the analytic limit against width, as a log-log chart. */
import { Command } from 'commander';
import { Image, createCanvas } from 'canvas';
import { UsageError } from '../errors';
import { convergence } from '../experiments/convergence';
import { activateBackend } from '../kernel/backend';
import { renderHeatmap } from '../render/heatmap';
import { finiteRange } from '../render/normalize';
import { checkWritableTarget, writeOutput } from './outputs';
import { printReport } from './report';
import { addSweepOptions, chartFormatOf, renderSweepChart, round, sweepOf, type SweepFlags } from './sweep';

type ConvergeFlags = SweepFlags & { strip?: string };

/** K at the narrowest width, the widest, and ∞, side by side on one colour scale. */
function kernelStrip(panels: { title: string; values: ArrayLike<number> }[], n: number): Buffer {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of panels) {
    const [a, b] = finiteRange(p.values) ?? [0, 0];
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  const images = panels.map((p) => {
    const image = new Image();
    image.src = renderHeatmap({ values: p.values, rows: n, cols: n }, { title: p.title, norm: { vmin: lo, vmax: hi } }).image;
    return image;
  });
  const canvas = createCanvas(images.reduce((w, i) => w + i.width, 0), images[0].height);
  const ctx = canvas.getContext('2d');
  let x = 0;
  for (const image of images) {
    ctx.drawImage(image, x, 0);
    x += image.width;
  }
  return canvas.toBuffer('image/png');
}

export function convergeCommand(): Command {
  const command = new Command('converge').description('chart how the empirical NTK approaches the infinite-width kernel as width grows');
  addSweepOptions(command, 'converge.png')
    .option('--strip <file>', 'also draw K at the narrowest and widest width and K_∞ on one colour scale (.png)')
    .action(async (flags: ConvergeFlags) => {
      const format = chartFormatOf('--out', flags.out);
      if (flags.strip !== undefined) {
        if (!flags.strip.toLowerCase().endsWith('.png')) throw new UsageError(`--strip ${flags.strip}: expected a .png file name`);
        checkWritableTarget('--strip', flags.strip);
      }
      const backend = await activateBackend(flags.backend);
      const result = convergence(sweepOf(flags));
      const chart = await renderSweepChart(
        { widths: result.widths, perSeed: result.distances, mean: result.mean, fit: result.fit },
        { title: flags.title ?? `NTK convergence to the infinite-width limit (${flags.activation}, depth ${flags.depth})`, yLabel: '‖K_w − K_∞‖ / ‖K_∞‖' },
        format,
      );
      writeOutput('--out', flags.out, chart);
      if (flags.strip !== undefined) {
        const last = result.widths.length - 1;
        const panels = [
          { title: `width ${result.widths[0]}`, values: result.kernels[0] },
          { title: `width ${result.widths[last]}`, values: result.kernels[last] },
          { title: 'width ∞ (analytic)', values: result.analytic },
        ];
        writeOutput('--strip', flags.strip, kernelStrip(panels, flags.samples));
      }
      const report = {
        widths: result.widths,
        distances: result.distances.map(round),
        mean: round(result.mean),
        slope: Number(result.fit.slope.toPrecision(6)),
        backend,
        outputs: { chart: flags.out, ...(flags.strip ? { strip: flags.strip } : {}) },
      };
      const summary = `relative distance to K_∞ from ${result.mean[0].toPrecision(3)} (width ${result.widths[0]}) to ${result.mean[result.mean.length - 1].toPrecision(3)} (width ${result.widths[result.widths.length - 1]}), fitted slope ${result.fit.slope.toFixed(3)}; wrote ${flags.out}`;
      printReport(report, summary, flags.json, false);
    });
  return command;
}
