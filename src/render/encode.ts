/** A canvas to PNG, SVG or PDF bytes. */
import type { Canvas } from 'canvas';

export type ImageFormat = 'png' | 'svg' | 'pdf';

export function encode(canvas: Canvas, format: ImageFormat): Buffer {
  if (format === 'png') return canvas.toBuffer('image/png');
  if (format === 'pdf') {
    // A fixed creation date keeps PDFs byte-identical (SOURCE_DATE_EPOCH, the reproducible-builds convention).
    const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? 0);
    return canvas.toBuffer('application/pdf', { creator: 'ntk-cli', creationDate: new Date((Number.isFinite(epoch) ? epoch : 0) * 1000) });
  }
  return canvas.toBuffer();
}
