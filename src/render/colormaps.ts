/**
 * Colormaps as 256-entry byte tables, indexed the way matplotlib indexes them.
 *
 * matplotlib's segmented maps ('hot', 'gray') are tables of (x, y0, y1) rows
 * per channel (`matplotlib._cm`), sampled at 256 points by
 * `colors._create_lookup_table` and turned into bytes by truncation
 * (`(lut * 255).astype(uint8)`); a normalised value t picks entry floor(t·256),
 * with t = 1 going to entry 255 (`Colormap.__call__`). segmentedTable repeats
 * that arithmetic in doubles, step for step, because truncation turns any
 * reordering into off-by-one bytes; the tests compare with matplotlib's tables.
 */

export interface Colormap {
  name: string;
  /** 256 RGB triples. */
  lut: Uint8Array;
}

export const LUT_SIZE = 256;

/** One channel of a LinearSegmentedColormap: rows (x, value left of x, value right of x), x rising 0 → 1. */
type Segments = [number, number, number][];

function segmentedChannel(segments: Segments, N = LUT_SIZE): number[] {
  const x = segments.map((row) => row[0] * (N - 1));
  const y0 = segments.map((row) => row[1]);
  const y1 = segments.map((row) => row[2]);
  const step = 1 / (N - 1); // np.linspace(0, 1, N) is arange(N) · step, last point exactly 1
  const lut = [y1[0]];
  for (let i = 1; i < N - 1; i++) {
    const xi = (N - 1) * (i * step);
    let k = 0;
    while (x[k] < xi) k++; // np.searchsorted(x, xi), side 'left'
    const distance = (xi - x[k - 1]) / (x[k] - x[k - 1]);
    lut.push(distance * (y0[k] - y1[k - 1]) + y1[k - 1]);
  }
  lut.push(y0[y0.length - 1]);
  return lut.map((v) => Math.min(1, Math.max(0, v)));
}

function segmentedTable(red: Segments, green: Segments, blue: Segments): Uint8Array {
  const channels = [red, green, blue].map((segments) => segmentedChannel(segments));
  const lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.floor(channels[c][i] * 255);
  return lut;
}

/** matplotlib's 'hot' (`_cm._hot_data`): black-red-yellow-white, starting at byte (10, 0, 0), not black. */
export function hotColormap(): Colormap {
  return {
    name: 'hot',
    lut: segmentedTable(
      [[0, 0.0416, 0.0416], [0.365079, 1, 1], [1, 1, 1]],
      [[0, 0, 0], [0.365079, 0, 0], [0.746032, 1, 1], [1, 1, 1]],
      [[0, 0, 0], [0.746032, 0, 0], [1, 1, 1]],
    ),
  };
}

/** matplotlib's 'gray' (`_cm._gray_data`): a linear ramp from black to white. */
export function grayColormap(): Colormap {
  const ramp: Segments = [[0, 0, 0], [1, 1, 1]];
  return { name: 'gray', lut: segmentedTable(ramp, ramp, ramp) };
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
