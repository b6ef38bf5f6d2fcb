/**
 * PyTorch's CPU random number generator, reproduced draw for draw.
 *
 * `torch.manual_seed(s)` seeds a 32-bit Mersenne Twister (mt19937) with the
 * low 32 bits of s (ATen `at::mt19937`, `init_with_uint32`). Tensors are then
 * filled by these ATen CPU kernels, which this module mirrors:
 *
 * - `uniform_(from, to)` on float32: one 32-bit draw per element, keep the low
 *   24 bits, x = bits · 2⁻²⁴, value = x·(to − from) + from, all in float32
 *   (`at::uniform_real_distribution<float>`, `transformation::uniform_real`).
 * - `normal_` / `randn` on a contiguous float32 tensor of ≥ 16 elements
 *   (`normal_fill`): fill every element with a float32 uniform, Box–Muller the
 *   buffer in blocks of 16 (element j pairs with j + 8), and when the size is
 *   not a multiple of 16 redraw and transform the last 16 elements.
 * - `normal_` on fewer than 16 elements: the scalar `at::normal_distribution
 *   <double>` path, two 53-bit uniforms per pair, which caches the second
 *   value of each pair on the generator for the next scalar draw.
 *
 * PyTorch dispatches these kernels to AVX2 builds on any x86-64 CPU that has
 * AVX2 (the usual case, and this project's reference machine); those are built
 * with FMA contraction, so the uniform's x·(to − from) + from is one fused
 * multiply-add, and the ≥ 16 Box–Muller takes log and sin/cos from
 * avx_mathfun's Cephes polynomials (`normal_fill_16_AVX2`). Both are mirrored
 * here bit for bit; the init tests compare against real PyTorch output.
 */
import { nativeFor } from '../native';
import { cephesLogf, cephesSincosfInto, fmaf } from './float32Math';

const MT_N = 624;
const MT_M = 397;
const TWO_POW_MINUS_24 = 1 / 16777216;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;
const f32 = Math.fround;

export class TorchGenerator {
  private readonly state = new Uint32Array(MT_N);
  private index = MT_N;
  /** The cached second value of the scalar Box–Muller pair (PyTorch's next_double_normal_sample). */
  private nextDoubleNormal: number | null = null;

  /** Same as `torch.manual_seed(seed)`: seeds accept 0 … 2⁶⁴−1, only the low 32 bits are used. */
  constructor(seed: bigint | number = 0n) {
    const s = BigInt(seed);
    if (s < 0n || s > 0xffffffffffffffffn) throw new RangeError(`seed ${s} is outside 0 … 2^64-1`);
    this.state[0] = Number(s & 0xffffffffn);
    for (let i = 1; i < MT_N; i++) {
      const prev = this.state[i - 1];
      const x = prev ^ (prev >>> 30);
      // 1812433253 · x + i mod 2³², split so the product stays exact in doubles.
      this.state[i] = (Math.imul(1812433253, x) + i) >>> 0;
    }
    this.index = MT_N;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < MT_N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % MT_N] & 0x7fffffff);
      let v = mt[(i + MT_M) % MT_N] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  /** One 32-bit draw (`generator->random()`). */
  random(): number {
    if (this.index >= MT_N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A float32 uniform in [from, to) exactly as `at::uniform_real_distribution<float>`. */
  private uniformFloat(from: number, to: number): number {
    const x = f32((this.random() & 0xffffff) * TWO_POW_MINUS_24);
    return fmaf(x, f32(to - from), from);
  }

  /** A double uniform in [0, 1) from `random64()` = (first draw << 32) | second draw, low 53 bits. */
  private uniformDouble(): number {
    const hi = this.random();
    const lo = this.random();
    // (hi·2³² + lo) mod 2⁵³ = (hi mod 2²¹)·2³² + lo, exact in a double.
    return ((hi & 0x1fffff) * 4294967296 + lo) * TWO_POW_MINUS_53;
  }

  /** Same as `tensor.uniform_(from, to)` on a float32 tensor of `count` elements. */
  uniform(count: number, from: number, to: number): Float32Array {
    const out = new Float32Array(count);
    const lo = f32(from);
    const hi = f32(to);
    const native = nativeFor(count);
    if (typeof native?.mtUniform24 === 'function' && typeof native.fmaInPlace === 'function') {
      // uniformFloat's steps, natively: the 24-bit uniforms, then x·(hi − lo) + lo fused (the same bits).
      this.index = native.mtUniform24(this.state, this.index, out);
      native.fmaInPlace(out, f32(hi - lo), lo);
      return out;
    }
    for (let i = 0; i < count; i++) out[i] = this.uniformFloat(lo, hi);
    return out;
  }

  /** Same as `torch.randn(count)` (or `normal_(0, 1)`) on a contiguous float32 tensor. */
  randn(count: number): Float32Array {
    const out = new Float32Array(count);
    if (count >= 16) {
      // uniformFloat(0, 1): x·1 + 0 is exact, so the fused multiply-add is x itself.
      const native = nativeFor(count);
      if (typeof native?.mtUniform24 === 'function') this.index = native.mtUniform24(this.state, this.index, out);
      else for (let i = 0; i < count; i++) out[i] = (this.random() & 0xffffff) * TWO_POW_MINUS_24;
      // The same steps in C where the native helper is built (the same bits; test/torchRandom.test.ts compares them).
      (typeof native?.boxMuller === 'function' ? native.boxMuller : boxMullerRuns)(out);
      if (count % 16 !== 0) {
        const start = count - 16;
        for (let i = 0; i < 16; i++) out[start + i] = this.uniformFloat(0, 1);
        boxMuller16(out, start);
      }
    } else {
      for (let i = 0; i < count; i++) out[i] = this.scalarNormal();
    }
    return out;
  }

  /** `at::normal_distribution<double>` with mean 0 and std 1, cast to float32 by the caller's store. */
  private scalarNormal(): number {
    if (this.nextDoubleNormal !== null) {
      const cached = this.nextDoubleNormal;
      this.nextDoubleNormal = null;
      return cached;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.nextDoubleNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

const TWO_PI_F32 = f32(2 * Math.PI);

/** `normal_fill_16` on every whole run of 16 uniforms of `data`, in JavaScript. */
export function boxMullerRuns(data: Float32Array): void {
  for (let i = 0; i + 16 <= data.length; i += 16) boxMuller16(data, i);
}

const sincos = new Float64Array(2);

/** `normal_fill_16_AVX2`: Box–Muller on 16 float32 uniforms, element j paired with j + 8 (mean 0, std 1). */
function boxMuller16(data: Float32Array, start: number): void {
  for (let j = start; j < start + 8; j++) {
    const u1 = f32(1 - data[j]); // [0, 1) → (0, 1] for the log
    const u2 = data[j + 8];
    const radius = f32(Math.sqrt(f32(-2 * cephesLogf(u1))));
    cephesSincosfInto(f32(TWO_PI_F32 * u2), sincos);
    data[j] = f32(radius * sincos[1]);
    data[j + 8] = f32(radius * sincos[0]);
  }
}
