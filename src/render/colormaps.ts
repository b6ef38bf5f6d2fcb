/**
 * Colormaps as 256-entry byte tables, indexed the way matplotlib indexes them.
 *
 * matplotlib samples a LinearSegmentedColormap at i/255 (i = 0…255), turns the
 * floats into bytes by truncation (`(lut * 255).astype(uint8)`), and maps a
 * normalised value t to entry floor(t·256), with t = 1 going to entry 255
 * (`Colormap.__call__`). 'hot' (matplotlib `_cm._hot_data`) is piecewise
 * linear in each channel with breakpoints at 0.365079 and 0.746032, so
 * `chroma.scale` through its four corner colours, in RGB mode, reproduces it;
 * the tests compare the table with matplotlib's bytes.
 */
import chroma from 'chroma-js';

export interface Colormap {
  name: string;
  /** 256 RGB triples. */
  lut: Uint8Array;
}

export const LUT_SIZE = 256;

/** Sample a chroma scale at i/255 and truncate to bytes, as matplotlib builds its tables. */
function tableFromScale(scale: chroma.Scale): Uint8Array {
  const lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const [r, g, b] = scale(i / (LUT_SIZE - 1)).rgb(false);
    lut[i * 3] = Math.floor(r);
    lut[i * 3 + 1] = Math.floor(g);
    lut[i * 3 + 2] = Math.floor(b);
  }
  return lut;
}

/** matplotlib's 'hot': black-red-yellow-white, starting at (0.0416, 0, 0), i.e. byte (10, 0, 0). */
export function hotColormap(): Colormap {
  const scale = chroma
    .scale([chroma.rgb(0.0416 * 255, 0, 0), chroma.rgb(255, 0, 0), chroma.rgb(255, 255, 0), chroma.rgb(255, 255, 255)])
    .domain([0, 0.365079, 0.746032, 1])
    .mode('rgb');
  return { name: 'hot', lut: tableFromScale(scale) };
}

/** matplotlib's 'gray': a linear ramp from black to white. */
export function grayColormap(): Colormap {
  return { name: 'gray', lut: tableFromScale(chroma.scale(['#000000', '#ffffff']).mode('rgb')) };
}

const COLORMAPS: Record<string, () => Colormap> = {
  hot: hotColormap,
  gray: grayColormap,
};

export const COLORMAP_NAMES = Object.keys(COLORMAPS);

export function colormapByName(name: string, reverse = false): Colormap {
  const make = COLORMAPS[name];
  if (!make) throw new RangeError(`unknown colormap '${name}'`);
  const cmap = make();
  if (!reverse) return cmap;
  const lut = new Uint8Array(cmap.lut.length);
  for (let i = 0; i < LUT_SIZE; i++) lut.set(cmap.lut.subarray((LUT_SIZE - 1 - i) * 3, (LUT_SIZE - i) * 3), i * 3);
  return { name: `${cmap.name}_r`, lut };
}

/** matplotlib's index for a normalised value: floor(t·256), clipped to 0…255. */
export function lutIndex(t: number): number {
  const i = Math.floor(t * LUT_SIZE);
  return i < 0 ? 0 : i >= LUT_SIZE ? LUT_SIZE - 1 : i;
}
