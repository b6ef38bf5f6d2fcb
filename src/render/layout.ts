/** Where a heatmap's image and colorbar go on the figure, as matplotlib places them. */

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A box with its edges rounded to whole pixels (so neighbouring boxes share edges), at least 1 px. */
function pixelBox(x: number, y: number, w: number, h: number): Box {
  const left = Math.round(x);
  const top = Math.round(y);
  return { x: left, y: top, w: Math.max(1, Math.round(x + w) - left), h: Math.max(1, Math.round(y + h) - top) };
}

/**
 * Where the image and the colorbar go, in whole pixels (y down). The axes box
 * is [0.125, 0.9] × [0.11, 0.88] of the figure; `colorbar()` takes its right
 * 15% after a 5% pad, at 20:1 (`make_axes`: fraction 0.15, pad 0.05, aspect
 * 20); the image keeps square cells, right-aligned and vertically centred in
 * what is left (anchors 'E' and 'W').
 */
export function heatmapLayout(rows: number, cols: number, W: number, H: number): { image: Box; bar: Box } {
  const axes = { x: 0.125 * W, y: (1 - 0.88) * H, w: 0.775 * W, h: 0.77 * H };
  const parentW = axes.w * 0.8;
  const scale = Math.min(parentW / cols, axes.h / rows);
  const image = pixelBox(axes.x + parentW - scale * cols, axes.y + (axes.h - scale * rows) / 2, scale * cols, scale * rows);
  const bar = pixelBox(axes.x + axes.w * 0.85, axes.y, axes.h / 20, axes.h);
  return { image, bar };
}
