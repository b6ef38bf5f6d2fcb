/**
 * matplotlib 3.6's default style (rcParams), in points, and its colour cycle:
 * what makes a chart look like `plt.plot` with no styling.
 */

/** The figure: 6.4 × 4.8 in at 100 dpi, subplots between these fractions (figure.subplot.*). */
export const FIGURE = { widthInches: 6.4, heightInches: 4.8, dpi: 100, left: 0.125, right: 0.9, bottom: 0.11, top: 0.88, wspace: 0.2 };

export const SIZES = {
  tickLabel: 10, // xtick.labelsize 'medium'
  axisLabel: 10, // axes.labelsize 'medium'
  title: 12, // axes.titlesize 'large'
  legend: 10, // legend.fontsize 'medium'
  majorTick: 3.5,
  minorTick: 2,
  majorTickWidth: 0.8,
  minorTickWidth: 0.6,
  majorPad: 3.5,
  minorPad: 3.4,
  spine: 0.8, // axes.linewidth
  labelPad: 4, // axes.labelpad
  titlePad: 6, // axes.titlepad
  offsetTextPad: 3, // Axis.OFFSETTEXTPAD
  line: 1.5, // lines.linewidth
  marker: 6, // lines.markersize
  markerEdge: 1, // lines.markeredgewidth
  /** Sub- and superscripts (mathtext's SHRINK_FACTOR), how far a superscript's baseline rises and a subscript's drops, in font sizes (sup1 and sub1 times DejaVu Sans's x-height, 0.55). */
  superscriptScale: 0.7,
  superscriptRise: 0.4,
  subscriptDrop: 0.16,
};

/** Legend geometry in font sizes (legend.*), its frame's edge colour and alpha. */
export const LEGEND = { borderPad: 0.4, labelSpacing: 0.5, handleLength: 2, handleHeight: 0.7, handleTextPad: 0.8, borderAxesPad: 0.5, rounding: 0.2, edge: '#cccccc', alpha: 0.8, frameWidth: 1 };

/** axes.prop_cycle: the tab10 colours. */
export const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Line styles as matplotlib scales them: dash and gap lengths in units of the line width (lines.*_pattern). */
export const DASHES = { solid: [], dashed: [3.7, 1.6], dotted: [1, 1.65], dashdot: [6.4, 1.6, 1, 1.6] } as const;
export type LineStyle = keyof typeof DASHES;

/** The text stroke colour and the axes' face. */
export const INK = '#000000';
