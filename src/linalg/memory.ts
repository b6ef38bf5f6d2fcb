/**
 * Allocating the large float32 arrays of a kernel run. The first touch of
 * fresh memory costs a page fault per 4 kB page, which on virtual machines is
 * slow enough to rival the matrix products (`npm run bench` shows it); memory
 * advised for transparent huge pages faults 2 MB at a time. The native helper
 * provides such memory where it was built; elsewhere these are plain arrays.
 */
import { nativeHelpers } from '../native';

/** Below this many bytes a plain array is as fast. */
const HUGE_MIN_BYTES = 1 << 20;

/** A zeroed Float32Array of `length` elements. */
export function floatArray(length: number): Float32Array {
  const bytes = length * 4;
  const native = bytes >= HUGE_MIN_BYTES ? nativeHelpers() : null;
  return native ? new Float32Array(native.hugeBuffer(bytes), 0, length) : new Float32Array(length);
}
