/** Heatmaps side by side on one colour scale: K at the narrowest width, the widest, and ∞ (`converge --strip`). */
import { Image, createCanvas } from 'canvas';
import { finiteRange } from '../math/scan';
import { encode } from './encode';
import { renderHeatmap } from './heatmap';

export function renderHeatmapStrip(panels: { title: string; values: ArrayLike<number> }[], n: number): Buffer {
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
  return encode(canvas, 'png');
}
