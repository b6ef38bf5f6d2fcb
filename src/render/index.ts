/**
 * Everything the commands draw, through one module: heatmaps (matplotlib's
 * imshow with a colorbar), the charts (plot/, matplotlib's line plots) and
 * the heatmap strip. Each function loads its drawing code (node-canvas, the
 * font) on first use, so commands and runs that draw nothing do not pay for it.
 */
import type { PowerLawFit } from '../math/fit';
import type { AngleChart } from './angleChart';
import type { ImageFormat } from './encode';
import type { HeatmapOptions, HeatmapResult } from './heatmap';
import type { Matrix, StreamedMatrix } from './downsample';
import type { Panel } from './plot';
import type { PredictChart } from './predictChart';
import type { SpectrumChart } from './spectrumChart';
import type { SweepChart } from './sweepChart';

/* eslint-disable @typescript-eslint/no-require-imports */

export function renderHeatmap(source: Matrix | StreamedMatrix, options: HeatmapOptions = {}, format: ImageFormat = 'png'): HeatmapResult {
  return (require('./heatmap') as typeof import('./heatmap')).renderHeatmap(source, options, format);
}

/** Whether an error is the heatmap's refusal of its options (a bad norm or range), to be reported as such. */
export function isRenderError(error: unknown): boolean {
  return error instanceof (require('./heatmap') as typeof import('./heatmap')).RenderError;
}

export function renderSpectrumChart(chart: SpectrumChart, format: ImageFormat): Buffer {
  return (require('./spectrumChart') as typeof import('./spectrumChart')).renderSpectrumChart(chart, format);
}

export function renderPredictChart(chart: PredictChart, format: ImageFormat): Buffer {
  return (require('./predictChart') as typeof import('./predictChart')).renderPredictChart(chart, format);
}

export function renderAngleChart(chart: AngleChart, format: ImageFormat): Buffer {
  return (require('./angleChart') as typeof import('./angleChart')).renderAngleChart(chart, format);
}

/** Heatmaps side by side on one colour scale (`converge --strip`). */
export function renderHeatmapStrip(panels: { title: string; values: ArrayLike<number> }[], n: number): Buffer {
  return (require('./strip') as typeof import('./strip')).renderHeatmapStrip(panels, n);
}

/** A quantity against width on log-log axes, with its spread, fit and theory (`converge`, `drift`). */
export function sweepPanel(chart: SweepChart): Panel {
  return (require('./sweepChart') as typeof import('./sweepChart')).sweepPanel(chart);
}

/** The kernel's alignment with labels along training, one line per width (`drift` with labels). */
export function alignmentPanel(curves: { width: number; steps: number[]; mean: number[] }[], seeds: number): Panel {
  return (require('./alignmentChart') as typeof import('./alignmentChart')).alignmentPanel(curves, seeds);
}

/** Panels side by side as one figure. */
export function renderPanels(panels: Panel[], format: ImageFormat): Buffer {
  return (require('./plot') as typeof import('./plot')).renderFigure({ panels }, format);
}

export { COLORMAP_NAMES } from './colormaps';
export { DOWNSAMPLE_MODES, streamedMatrix, type DownsampleMode } from './downsample';
export { NormError, NORMS, type NormKind } from './normalize';
export type { AngleChart, HeatmapOptions, HeatmapResult, ImageFormat, Matrix, Panel, PowerLawFit, PredictChart, SpectrumChart, StreamedMatrix, SweepChart };
export type { Groups } from './groups';
