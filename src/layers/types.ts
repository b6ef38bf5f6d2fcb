/**
 * What a layer kind defines, in one place (as neural-tangents' stax pairs a
 * layer's init_fn, apply_fn and kernel_fn): its parameters and their
 * PyTorch-exact initialisation, its forward and backward passes on a batch,
 * its part of the empirical kernel, a gradient-descent step, and its map of
 * the infinite-width kernels. A layer itself is plain data (kind, shapes,
 * parameters), so networks pass to worker threads as they are; the kind's
 * module holds the behaviour (layers/index.ts finds it by `kind`).
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Linalg, MatrixView } from '../linalg/types';
import type { TorchGenerator } from '../model/torchRandom';

/** One sample's shape, PyTorch's order: [d] for a vector, [C, H, W] for an image. */
export type Shape = readonly number[];

/** A size in an architecture: a number, or 'W', the hidden width (--width), resolved before a layer is built. */
export type Units = number | 'W';

export const PARAMETERIZATIONS = ['standard', 'ntk'] as const;
export type Parameterization = (typeof PARAMETERIZATIONS)[number];

/** How parameters are drawn: PyTorch's module defaults, or N(0, 1) with σ_w, σ_b in the forward pass. */
export interface InitOptions {
  parameterization: Parameterization;
  /** NTK parameterization: weight and bias scales. */
  sigmaW: number;
  sigmaB: number;
}

/** A tensor of a layer's parameters, as PyTorch names (`<prefix>.weight`) and lays it out. */
export interface ParameterTensor {
  /** 'weight' or 'bias' for the layers of --arch; an ONNX graph's parameters keep their initializers' names. */
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * A layer's part of the empirical NTK, from one forward and one backward
 * pass per output:
 *   product  (s_w²·A_X·A_Yᵀ + s_b²) ⊙ (G_X·G_Yᵀ) for a layer whose parameter
 *            gradient is a rank-one outer product per sample (dense): A its
 *            inputs [n × in], G its output gradients of every output side by
 *            side [n × o·out], or null for the last layer (G = e_k: the term
 *            is o·(s_w²·A·Aᵀ + s_b²));
 *   gram     J_X·J_Yᵀ for a layer that gives its per-sample parameter
 *            gradients J [n × o·P] (outputs side by side).
 */
export type KernelTerm =
  | { kind: 'product'; inputs: MatrixView; gradients: MatrixView | null; weightScale2: number; bias2: number }
  | { kind: 'gram'; jacobian: MatrixView };

/** What a forward pass keeps for the backward pass and the kernel term. */
export interface Forwarded {
  output: MatrixView;
  /** The layer's input, [n × in], where its kernel term or gradient needs it. */
  input?: MatrixView;
  /** Anything else the kind needs (an activation's φ′ at its inputs). */
  extra?: Float32Array;
}

/**
 * Which entries of a pair's kernels are kept at infinite width: one value for
 * vectors; for images of H×W pixels, the same-pixel pairs Σ(x, x′)(p, p) (all
 * a flatten readout needs: a convolution's window map keeps p′ − p fixed) or
 * every pixel pair Σ(x, x′)(p, p′) (what pooling and gap need).
 */
export type PairLayout = { kind: 'vector' } | { kind: 'diagonal'; height: number; width: number } | { kind: 'full'; height: number; width: number };
export type LayoutKind = PairLayout['kind'];

/** Entries per pair in a layout. */
export function entriesOf(layout: PairLayout): number {
  if (layout.kind === 'vector') return 1;
  const pixels = layout.height * layout.width;
  return layout.kind === 'diagonal' ? pixels : pixels * pixels;
}

/** Pixels per input in a layout (1 for vectors): how many own-Σ values each input has. */
export function pixelsOf(layout: PairLayout): number {
  return layout.kind === 'vector' ? 1 : layout.height * layout.width;
}

/**
 * The kernels of one input x against `count` inputs x′_j as they pass a layer
 * at infinite width: the NNGP Σ(x, x′_j) and the NTK Θ(x, x′_j), each pair's
 * entries in `layout` (count × entries), and each input's own Σ at each pixel
 * (what an activation's dual needs). A layer maps a whole row at a time.
 */
export interface RowKernels {
  count: number;
  layout: PairLayout;
  sigma: Float64Array;
  theta: Float64Array;
  /** Σ(x, x)(p, p) at each pixel (one value for vectors). */
  left: Float64Array;
  /** Σ(x′_j, x′_j)(p, p) at each pixel, count × pixels. */
  right: Float64Array;
}

/** A layer's map at infinite width, built once for its input layout: the row it gives (a new one where the layout changes). */
export interface InfiniteMap {
  output: PairLayout;
  map(row: RowKernels): RowKernels;
  /**
   * The layer applied to `count` inputs themselves (values in this layer's
   * input shape, one row each), for a layer with no parameters that is linear
   * in its input (average pooling): Σ⁰ is bilinear in x and Θ⁰ = 0, so the
   * kernels of its outputs are its map of the inputs' kernels, at the cost of
   * one pass over the inputs instead of one over every pair.
   */
  onInputs?(values: Float64Array, count: number): Float64Array;
}

/**
 * The behaviour of one layer kind: S is its entry in an architecture (what
 * `--arch` or the MLP flags say: sizes, an activation's name), L a layer
 * built from it (with its parameters).
 */
export interface LayerKind<S, L> {
  kind: string;
  /** Whether it has parameters (a term in the kernel, tensors in a state dict). */
  trainable: boolean;
  /** The name ntk-cli's state dicts give its layers, numbered per kind: 'lin' (lin1, lin2, as the seed's Net). */
  stateDictName?: string;
  /** One sample's output shape for this input shape; throws LayerShapeError when the input does not fit. */
  outputShape(spec: S, input: Shape): Shape;
  /** The layer with its parameters drawn as PyTorch draws them (weight, then bias) from `generator`. */
  init(spec: S, input: Shape, options: InitOptions, generator: TorchGenerator): L;
  /** The layer from a state dict's tensors (in PyTorch's layout), checked against the spec. */
  fromTensors?(spec: S, input: Shape, tensors: { weight: ParameterTensor; bias?: ParameterTensor }, options: InitOptions): L;
  /** The layer's entry in an architecture (its spec). */
  specOf(layer: L): S;
  /** The layer's parameters in PyTorch's order (weight, then bias). */
  parameters(layer: L): ParameterTensor[];
  /** Outputs on a batch of rows [n × inSize]; `owned`: x is an intermediate result of this pass (not the caller's input), which the layer may overwrite. */
  forward(layer: L, x: MatrixView, linalg: Linalg, owned: boolean): Forwarded;
  /**
   * Its backward pass is one linear map for every sample (it reads nothing of
   * the forward pass: dense, conv, avgpool, gap, flatten): given a δ of one
   * row that stands for every sample, it returns one row.
   */
  fixedBackward?: boolean;
  /** Its backward pass takes a δ of one row as every sample's, and returns a row per sample (an activation). */
  broadcastsDelta?: boolean;
  /**
   * ∂f/∂input from ∂f/∂output, for every row; `owned`: delta is the caller's to
   * overwrite; `lastRead`: no later backward pass reads `saved.extra` (and no
   * kernel term reads an activation's extra), so it may hold the result.
   */
  backward(layer: L, saved: Forwarded, delta: MatrixView, linalg: Linalg, owned: boolean, lastRead?: boolean): MatrixView;
  /**
   * Its empirical-kernel term, from its saved inputs and the output gradients
   * of every output (null: it is the network's output). A gradient of one row
   * is every sample's (a layer followed only by layers with fixedBackward).
   * A layer with several parameters of different kinds (an ONNX graph) gives a term for each.
   */
  kernelTerm?(layer: L, saved: Forwarded, deltas: MatrixView[] | null, outputs: number, linalg: Linalg): KernelTerm | KernelTerm[];
  /** W ← W − η·∂L/∂W for the loss gradient `delta` at its output. */
  descend?(layer: L, saved: Forwarded, delta: MatrixView, learningRate: number, linalg: Linalg): void;
  /**
   * Its infinite-width map, for a row in `input` layout; absent where the kind
   * has no limit in closed form (maxpool).
   */
  infinite?(spec: S, options: InfiniteOptions, input: PairLayout): InfiniteMap;
  /** The layout its input must have for its output to be in `output` layout (default: the same). */
  inputLayoutFor?(spec: S, output: LayoutKind): LayoutKind;
  /** The shapes of its kernel term's factors (for buffers shared across threads), given the number of outputs. */
  termShape?(layer: L, outputs: number, last: boolean): KernelTermShape | KernelTermShape[];
  /** Its forward pass as TensorFlow.js ops on `params` (its parameters() as tensors), for the autodiff paths. */
  tensorForward(tf: typeof TF, layer: L, x: TF.Tensor, params: TF.Tensor[]): TF.Tensor;
  /** Its entry as --arch writes it ("dense:20", "conv:16:3:same", "relu"; an ONNX graph, its name): summaries and formatArchSpec. */
  describe(spec: S): string;
}

/** A kernel term without its factors: a product's scales and columns of inputs and gradients (null for the last layer), or a Jacobian's columns. */
export type KernelTermShape = { kind: 'product'; inputs: number; gradients: number | null; weightScale2: number; bias2: number } | { kind: 'gram'; columns: number };

export class LayerShapeError extends Error {}

/** What infinite-width maps share: σ_w, σ_b, and the quadrature rule for activations without a closed form. */
export interface InfiniteOptions {
  sigmaW: number;
  sigmaB: number;
  quadrature?: { nodes?: number };
}
