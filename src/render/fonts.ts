/**
 * Text is drawn with DejaVu Sans (matplotlib's default font) from the
 * dejavu-fonts-ttf npm package, registered under a family name no system font
 * has, so a picture's glyphs never depend on the fonts a machine happens to have.
 */
import { registerFont } from 'canvas';

export const FONT_FAMILY = 'ntk-cli DejaVu Sans';
let registered = false;

export function ensureFont(): string {
  if (!registered) {
    registerFont(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), { family: FONT_FAMILY });
    registered = true;
  }
  return FONT_FAMILY;
}
