/** The 16-bit floats that model files store: IEEE half precision and bfloat16, as numbers. */

/** IEEE half precision → number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const bfloat = new DataView(new ArrayBuffer(4));

/** bfloat16 → number: it is the top half of a float32. */
export function bfloat16ToNumber(bits: number): number {
  bfloat.setUint32(0, bits << 16, true);
  return bfloat.getFloat32(0, true);
}
