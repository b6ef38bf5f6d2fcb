import type * as TF from '@tensorflow/tfjs-core';

/**
 * The infinite-width maps of an activation φ (neural-tangents' `kernel_fn`):
 * for (u, v) ~ N(0, [[s11, s12], [s12, s22]]), writes
 *   out[0] = E[φ(u)φ(v)]      (the next NNGP kernel, before the dense layer)
 *   out[1] = E[φ′(u)φ′(v)]    (the factor the NTK is multiplied by).
 */
export type DualMap = (s11: number, s22: number, s12: number, out: Float64Array) => void;

/**
 * One activation, finite and infinite width side by side: the function and
 * derivative the finite network uses (PyTorch's definitions, evaluated in
 * double and rounded to float32 by the caller), the same function as a
 * TensorFlow.js op for the autodiff paths, and its infinite-width maps, in
 * closed form or by quadrature (quadrature.ts).
 */
export interface Activation {
  name: string;
  /** The definition, for --help and the README. */
  formula: string;
  phi(z: number): number;
  /** φ′ as PyTorch's autograd takes it (relu: 0 at z = 0). */
  dphi(z: number): number;
  /** Where φ or φ′ is not smooth (quadrature splits there). */
  kinks?: readonly number[];
  /** φ as TensorFlow.js ops (autodiff differentiates it). */
  tensor(tf: typeof TF, z: TF.Tensor): TF.Tensor;
  /** The infinite-width maps in closed form, or null: then they come by quadrature. */
  closedForm: DualMap | null;
  /** φ and φ′ over a whole array at once, where a loop of its own is much faster than calling phi and dphi (relu). */
  mapArray?(z: Float32Array, n: number, out: Float32Array, derivative: Float32Array): void;
}
