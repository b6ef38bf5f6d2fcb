/**
 * ntk-cli's optional native helpers (native/ntk_native.c, built at install
 * time where a C compiler and LAPACKE are present), loaded on first use.
 */

export interface NativeHelpers {
  /** LAPACK ?syevd in place; returns LAPACK's info (0 = converged). */
  syevd(a: Float32Array | Float64Array, w: Float32Array | Float64Array, n: number, vectors: boolean): number;
  /** A zeroed buffer of anonymous memory advised for transparent huge pages. */
  hugeBuffer(bytes: number): ArrayBuffer;
  /** Point fd 2 at /dev/null (true) or back (false). */
  quietStderr(quiet: boolean): void;
  /** A convolution's patches of one image, and their gradient back (layers/patches.ts). */
  im2col(x: Float32Array, base: number, geometry: number[], out: Float32Array, scale: number): void;
  col2im(patches: Float32Array, out: Float32Array, base: number, geometry: number[]): void;
  /** torch.randn's Box–Muller on each whole run of 16 uniforms, in place (model/torchRandom.ts). */
  boxMuller(data: Float32Array): void;
  /** at::mt19937's next out.length draws as (draw & 0xffffff)·2⁻²⁴, from `state` at `index` (updated in place); returns the new index. */
  mtUniform24(state: Uint32Array, index: number, out: Float32Array): number;
  /** On libuv's threads: row i of the block (cols values from data[i·ld]) written at byte position + i·stride of fd; then done(null) or done(error with its errno code). */
  writeRows(fd: number, data: Float32Array, ld: number, rows: number, cols: number, position: number, stride: number, done: (error: NodeJS.ErrnoException | null) => void): void;
  /** data[i] = fmaf(data[i], scale, offset) in float32. */
  fmaInPlace(data: Float32Array, scale: number, offset: number): void;
  /** relu and its derivative of z (derivative may be z itself). */
  reluMap(z: Float32Array, out: Float32Array, derivative: Float32Array): void;
  /** out[i·c + j] = row[j]·d[i·c + j], c = row.length. */
  scaleRows(row: Float32Array, d: Float32Array, out: Float32Array): void;
  /** The arguments combineTile and mirrorTile take: 2 since they take a thread count (absent in a helper built by an older ntk-cli). */
  tilePasses?: number;
  /** A kernel tile's element-wise pass (kernel/structured.ts) on constants[4] threads; its finite range and non-finite count into range. */
  combineTile(mode: number, t: Float32Array, ld: number, h: number, w: number, p: Float32Array | null, q: Float32Array | Float64Array | null, constants: Float64Array, range: Float64Array): void;
  /** A diagonal tile's upper triangle copied onto its lower one, on `threads` threads. */
  mirrorTile(t: Float32Array, ld: number, h: number, threads: number): void;
}

/**
 * Run `work` with native libraries' own stderr output (not Node's, which has
 * nothing pending then) sent to /dev/null; where the helper was not built,
 * `work` runs as it is.
 */
export async function withNativeStderrSilenced<T>(work: () => Promise<T>): Promise<T> {
  const native = nativeHelpers();
  const quiet = typeof native?.quietStderr === 'function' ? native.quietStderr : null; // a helper built before it existed
  quiet?.(true);
  try {
    return await work();
  } finally {
    quiet?.(false);
  }
}

let loaded: NativeHelpers | null | undefined;

/** Below this many values a loop runs in JavaScript unless the helper is loaded already. */
export const NATIVE_MIN_ELEMENTS = 1 << 14;

/**
 * The helper for a loop over `elements` values, or null: small loops do not
 * load it (its dlopen pulls in LAPACKE, milliseconds that a 100 × 100 kernel
 * does not need). Either way the bits are the same (tested).
 */
export function nativeFor(elements: number): NativeHelpers | null {
  return elements >= NATIVE_MIN_ELEMENTS || loaded ? nativeHelpers() : null;
}

export function nativeHelpers(): NativeHelpers | null {
  if (loaded === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('../../native/build/Release/ntk_native.node') as NativeHelpers;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
