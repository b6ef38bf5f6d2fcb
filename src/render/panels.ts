/**
 * Charts side by side in one picture: PNG panels drawn onto one canvas, SVG
 * panels nested in one document (so the SVG stays vector).
 */
import { createCanvas, Image } from 'canvas';
import type { ChartFormat } from './chartCanvas';

export function sideBySide(panels: Buffer[], width: number, height: number, format: ChartFormat): Buffer {
  if (panels.length === 1) return panels[0];
  if (format === 'svg') {
    const inner = panels.map((panel, k) => {
      const text = panel.toString('utf8').replace(/^<\?xml[^>]*>\s*/, '');
      // Each panel keeps its own viewBox; only its position and size are set here.
      return text.replace(/^<svg\b/, `<svg x="${k * width}" y="0"`).replace(/ width="[^"]*pt"/, ` width="${width}"`).replace(/ height="[^"]*pt"/, ` height="${height}"`);
    });
    return Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width * panels.length}pt" height="${height}pt" viewBox="0 0 ${width * panels.length} ${height}" version="1.1">\n${inner.join('\n')}\n</svg>\n`,
    );
  }
  if (format !== 'png') throw new RangeError(`panels are drawn as PNG or SVG, not ${format}`);
  const canvas = createCanvas(width * panels.length, height);
  const ctx = canvas.getContext('2d');
  panels.forEach((panel, k) => {
    const image = new Image();
    image.src = panel;
    ctx.drawImage(image, k * width, 0);
  });
  return canvas.toBuffer('image/png');
}
