/**
 * Charts drawn as matplotlib draws them, on node-canvas. A chart is data
 * (types.ts: panels of axes holding lines, points, bands and horizontal
 * lines) handed to `renderFigure`; the rest is how matplotlib 3.6 would draw
 * it with its default style:
 *   locators.ts    where ticks go (AutoLocator, LogLocator)
 *   formatters.ts  what they say (ScalarFormatter, LogFormatterSciNotation)
 *   scales.ts      an axis's view (data limits and margins) and its ticks
 *   text.ts        labels, with sub- and superscripts
 *   artists.ts     lines, markers, bands, and their legend handles
 *   legend.ts      the legend and where it goes ('best')
 *   figure.ts      axes boxes, spines, ticks, labels, title
 *   style.ts       the rcParams defaults and the colour cycle
 */
export { renderFigure } from './figure';
export { COLOURS } from './style';
export type { Artist, AxisSpec, Figure, Panel } from './types';
