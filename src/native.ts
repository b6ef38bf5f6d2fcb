/**
 * ntk-cli's optional native helpers (native/ntk_native.c, built at install
 * time where a C compiler and zlib's headers are present; LAPACKE is opened
 * when an eigensolver first runs), loaded on first use.
 */

export interface NativeHelpers {
  /** Whether LAPACKE could be opened (on first call): syevd needs it. */
  lapackAvailable(): boolean;
  /** LAPACK ?syevd in place; returns LAPACK's info (0 = converged). Throws where LAPACKE could not be opened. */
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
  /**
   * On a thread of its own: open `addons` (Node-API add-ons) and the libraries each of `neededOf`
   * needs (nan add-ons, which Node must open itself), then call the no-argument functions `init`
   * names that those libraries define. Returns false where a preload already ran or the thread did not start.
   */
  preload(addons: string[], neededOf: string[], init: string[]): boolean;
  /** Wait for the preload thread, if one runs. */
  preloadJoin(): void;
  /**
   * A PNG file of cairo ARGB32 pixels (premultiplied, native-endian words: canvas.toBuffer('raw')),
   * zlib `level`, deflated in parts on up to `threads` threads; RGB where every pixel is opaque.
   */
  encodePng(raw: Uint8Array, width: number, height: number, level: number, threads: number): Buffer;
  /** isatty(fd). */
  isTerminal(fd: number): boolean;
  /** zlib's CRC-32 of the bytes (a string's UTF-8), continuing from value. */
  crc32(data: string | Uint8Array, value?: number): number;
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

/**
 * The helper once loaded (or null: not built), process-wide: start-up loads it from the modules
 * before the bundle, which holds a copy of this file.
 */
const LOADED = Symbol.for('ntk-cli native helpers');
const slot = process as unknown as Record<symbol, NativeHelpers | null | undefined>;

/** Below this many values a loop runs in JavaScript unless the helper is loaded already. */
export const NATIVE_MIN_ELEMENTS = 1 << 14;

/**
 * The helper for a loop over `elements` values, or null: small loops do not load it (milliseconds
 * that a 100 × 100 kernel does not need) unless a run loaded it already, as start-up does for the
 * commands that preload (cli/startup.ts). Either way the bits are the same (tested).
 */
export function nativeFor(elements: number): NativeHelpers | null {
  return elements >= NATIVE_MIN_ELEMENTS || slot[LOADED] ? nativeHelpers() : null;
}

export function nativeHelpers(): NativeHelpers | null {
  if (slot[LOADED] === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      slot[LOADED] = require('../../native/build/Release/ntk_native.node') as NativeHelpers;
    } catch {
      slot[LOADED] = null;
    }
  }
  return slot[LOADED] ?? null;
}
