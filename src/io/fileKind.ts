/**
 * What a file is, by its first bytes, for messages when a reader is handed a
 * file of another kind (a picture as a matrix, a PyTorch checkpoint as
 * safetensors) instead of a parse error about its "header".
 */
const KINDS: [string, (b: Uint8Array) => boolean][] = [
  ['a PNG image', (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['a PDF document', (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46],
  ["a ZIP archive (PyTorch's torch.save writes these)", (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04],
  ['a Python pickle', (b) => b[0] === 0x80 && b[1] >= 2 && b[1] <= 5],
  ['a .npy array', (b) => b[0] === 0x93 && b[1] === 0x4e && b[2] === 0x55 && b[3] === 0x4d],
  ['an SVG image', (b) => /^\s*(<\?xml|<svg)/.test(Buffer.from(b.subarray(0, 64)).toString('latin1'))],
];

/** The kind of file `bytes` starts like (`a PNG image`, …), or undefined when none of these. */
export function recognisedKind(bytes: Uint8Array): string | undefined {
  if (bytes.length < 4) return undefined;
  return KINDS.find(([, test]) => test(bytes))?.[0];
}
