/**
 * Chart.js on node-canvas: one chart, drawn synchronously (no animation, not
 * responsive) on a white background in the registered DejaVu Sans, encoded as
 * PNG, SVG or PDF (PDFs with the fixed creation date of encode.ts), so the
 * same data give the same bytes.
 */
import { createCanvas, Image, type CanvasRenderingContext2D } from 'canvas';
import { encode, type ImageFormat } from './encode';
import { ensureFont } from './fonts';

export type ChartFormat = ImageFormat;

/** The parts of Chart.js used here (its types are ESM-only, this package is CommonJS). */
export interface ChartConfiguration {
  type: string;
  data: { datasets: object[]; labels?: unknown[] };
  options?: Record<string, unknown>;
}
interface ChartInstance {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
  destroy(): void;
}
interface ChartModule {
  Chart: {
    new (ctx: CanvasRenderingContext2D, configuration: ChartConfiguration): ChartInstance;
    register(...items: object[]): void;
    defaults: { font: { family: string; size: number }; color: string; animation: boolean };
  };
}

/** A white background under everything the chart draws (a chart leaves its canvas transparent). */
const whiteBackground = {
  id: 'ntk-cli-white-background',
  beforeDraw(chart: ChartInstance) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = 'white';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

let chartModule: ChartModule | null = null;

function chartJs(): ChartModule {
  if (!chartModule) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    chartModule = require('chart.js/auto') as ChartModule;
    const { Chart } = chartModule;
    Chart.register(whiteBackground);
    Chart.defaults.font.family = ensureFont();
    Chart.defaults.font.size = 13;
    Chart.defaults.color = '#000000';
    Chart.defaults.animation = false;
  }
  return chartModule;
}

export function renderChart(configuration: ChartConfiguration, format: ChartFormat, width = 640, height = 480): Buffer {
  const { Chart } = chartJs();
  const canvas = format === 'png' ? createCanvas(width, height) : createCanvas(width, height, format);
  (canvas as unknown as { style: object }).style = {};
  configuration.options = { ...configuration.options, responsive: false, animation: false };
  const globals = globalThis as { Image?: unknown };
  globals.Image = Image; // Chart.js plugins may look for it
  const chart = new Chart(canvas.getContext('2d'), configuration);
  delete globals.Image;
  try {
    return encode(canvas, format);
  } finally {
    chart.destroy();
  }
}
