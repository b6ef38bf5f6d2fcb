/** The picture flags `heatmap` and `render` share, and their checks. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors';
import { COLORMAP_NAMES, DOWNSAMPLE_MODES, NORMS, type DownsampleMode, type HeatmapOptions, type ImageFormat, type NormKind } from '../render';
import { extensionList, outputFormat } from './formats';
import { finiteNumber, parseSize, wholeNumber } from './parsers';

export interface PictureFlags {
  out: string;
  title: string;
  xlabel?: string;
  ylabel?: string;
  cmap: string;
  reverse?: boolean;
  norm: NormKind;
  vmin?: number;
  vmax?: number;
  linthresh?: number;
  size?: [number, number];
  dpi: number;
  downsample: DownsampleMode;
  bare?: boolean;
}

export function addPictureOptions(command: Command, defaultOut: string): Command {
  return command
    .option('-o, --out <file>', `image file: ${extensionList('image')}; '-' writes PNG to stdout`, defaultOut)
    .option('--title <text>', 'title above the image ("" for none)', 'Neural Tangent Kernel')
    .option('--xlabel <text>', 'label under the x axis')
    .option('--ylabel <text>', 'label left of the y axis')
    .addOption(
      new Option('--cmap <name>', `colormap: matplotlib's hot, gray, viridis, inferno, magma, plasma (exact tables) or a ColorBrewer name such as Blues or RdBu; NAME_r reversed, as in matplotlib (choices: ${COLORMAP_NAMES.join(', ')})`)
        .argParser(parseColormap)
        .default('hot'),
    )
    .option('--reverse', 'reverse the colormap (as NAME_r does)')
    .addOption(new Option('--norm <kind>', 'colour scale').choices(NORMS).default('linear'))
    .addOption(new Option('--vmin <x>', 'value at the bottom of the colour scale (default: data min)').argParser(finiteNumber()))
    .addOption(new Option('--vmax <x>', 'value at the top of the colour scale (default: data max)').argParser(finiteNumber()))
    .addOption(new Option('--linthresh <x>', 'symlog: width of the linear region around 0 (default: 0.001 × max |value|)').argParser(finiteNumber(0)))
    .addOption(new Option('--size <WxH>', 'figure size in pixels (default: 6.4 × 4.8 in at --dpi)').argParser(parseSize))
    .addOption(new Option('--dpi <n>', 'dots per inch: scales text and lines').default(100).argParser(wholeNumber(10, 1200)))
    .addOption(new Option('--downsample <mode>', 'a matrix larger than the image is reduced by block mean or max').choices(DOWNSAMPLE_MODES).default('mean'))
    .option('--bare', 'the image alone: one pixel per cell, no title, axes or colorbar');
}

/** A colormap's name, or matplotlib's NAME_r for its reverse. */
function parseColormap(value: string): string {
  if (!COLORMAP_NAMES.includes(value.replace(/_r$/, ''))) throw new InvalidArgumentError(`Allowed choices are ${COLORMAP_NAMES.join(', ')}, each also as NAME_r (reversed).`);
  return value;
}

/** Check the picture flags before any work (`explicit(key)`: was the flag typed?); returns the output format. */
export function checkPictureFlags(flags: PictureFlags, json: boolean | undefined, explicit: (key: string) => boolean): ImageFormat {
  const format = outputFormat('image', '--out', flags.out) as ImageFormat;
  if (flags.bare) {
    const decoration = [['title', '--title'], ['xlabel', '--xlabel'], ['ylabel', '--ylabel'], ['size', '--size'], ['dpi', '--dpi']].find(([key]) => explicit(key));
    if (decoration) throw new UsageError(`--bare draws the cells alone, one pixel each: ${decoration[1]} contradicts it`);
  }
  if (flags.out === '-' && json) throw new UsageError('--json and --out - both write to stdout; choose one');
  if (flags.vmin !== undefined && flags.vmax !== undefined && !(flags.vmin < flags.vmax)) {
    throw new UsageError(`--vmin ${flags.vmin} must be below --vmax ${flags.vmax}`);
  }
  if (flags.linthresh !== undefined && flags.norm !== 'symlog') throw new UsageError('--linthresh goes with --norm symlog');
  if (flags.reverse && flags.cmap.endsWith('_r')) throw new UsageError(`--reverse and --cmap ${flags.cmap} both reverse the colormap; choose one`);
  return format;
}

export function heatmapOptionsOf(flags: PictureFlags): HeatmapOptions {
  return {
    title: flags.title,
    xlabel: flags.xlabel,
    ylabel: flags.ylabel,
    cmap: flags.cmap.replace(/_r$/, ''),
    reverse: flags.reverse || flags.cmap.endsWith('_r'),
    norm: { kind: flags.norm, vmin: flags.vmin, vmax: flags.vmax, linthresh: flags.linthresh },
    width: flags.size?.[0],
    height: flags.size?.[1],
    dpi: flags.dpi,
    downsample: flags.downsample,
    bare: flags.bare,
  };
}
