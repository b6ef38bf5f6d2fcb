/** What a chart is made of: panels of axes holding artists, described as data and drawn by figure.ts. */
import type { LineStyle } from './style';
import type { Run } from './text';

export type Scale = 'linear' | 'log';

export interface AxisSpec {
  scale: Scale;
  /** Plain text, or runs with sub- and superscripts. */
  label?: string | Run[];
  /** Fixed view limits; by default the data's range with matplotlib's 5% margins. */
  limits?: [number, number];
  /** Fixed ticks with their labels (e.g. multiples of π); by default matplotlib's locator and formatter. */
  ticks?: { values: number[]; labels: string[] };
}

interface Labelled {
  /** In the legend under this text; absent: not in the legend. */
  label?: string;
}

/** `plt.plot`: a polyline, with a round marker at each point when `marker` is set. */
export interface LineArtist extends Labelled {
  kind: 'line';
  x: number[];
  y: number[];
  colour: string;
  width?: number;
  style?: LineStyle;
  marker?: boolean;
  markerSize?: number;
}

/** `plt.scatter`: round markers only. */
export interface PointsArtist extends Labelled {
  kind: 'points';
  x: number[];
  y: number[];
  colour: string;
  /** Diameter in points (matplotlib's default s = 36 pt² is 6 pt). */
  size?: number;
}

/** `plt.fill_between`: the region between two curves. */
export interface BandArtist extends Labelled {
  kind: 'band';
  x: number[];
  low: number[];
  high: number[];
  colour: string;
  alpha: number;
}

/** `plt.axhline`: a horizontal line across the axes. */
export interface HorizontalLineArtist extends Labelled {
  kind: 'hline';
  y: number;
  colour: string;
  width?: number;
  style?: LineStyle;
}

export type Artist = LineArtist | PointsArtist | BandArtist | HorizontalLineArtist;

export interface Panel {
  title?: string;
  x: AxisSpec;
  y: AxisSpec;
  artists: Artist[];
  /** A second y axis on the right sharing x (`ax.twinx()`). */
  right?: { axis: AxisSpec; artists: Artist[] };
  /** The legend, placed where it hides the least data ('best'); false for none. */
  legend?: boolean;
}

export interface Figure {
  /** Side by side, as `plt.subplots(1, k)`: the figure is k times as wide. */
  panels: Panel[];
  /** One panel's size in pixels (PNG) or points (SVG, PDF); default 640 × 480. */
  width?: number;
  height?: number;
}
