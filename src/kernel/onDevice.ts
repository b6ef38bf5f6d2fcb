/**
 * The structured kernel (structured.ts) on a TensorFlow.js device backend
 * (WebGPU): the same sum over layers,
 *
 *   Θ(x, x') = Σ_l (s_w²·a_{l−1}(x)·a_{l−1}(x') + s_b²) · (g_l(x)·g_l(x')),
 *
 * with every factor and product on the device and only finished tiles read
 * back. The factors come from the device too: one forward pass per block of
 * rows in tfjs ops, and g_l = ∂f_k/∂z_l from autodiff with respect to zero
 * shifts added to each z_l (the rows are independent, so the gradient of
 * Σ_i f_k(x_i) holds each row's own g_l). They stay resident, block by block,
 * so each tile costs only its products: n²·Σ_l (in_l + o·out_l) multiply-adds
 * in all (half when symmetric), O(n·Σ_l (in_l + o·out_l)) device memory for
 * the factors and three side² tiles at a time.
 *
 * No buffer exceeds the adapter's maxStorageBufferBindingSize: the block side
 * is cut so that a factor block and a tile fit. While one tile is read back the
 * next is already queued, so the device is not idle during transfers.
 */
import type * as TF from '@tensorflow/tfjs';
import { kindOf, type DenseLayer } from '../layers';
import { outputDimOf, type Network } from '../model/network';
import type { Samples } from '../types';
import type { KernelSink } from './sink';
import { mergeStats, mirroredStats, tileStats, type TileStats } from './stats';
import { cuts, tilePlan, type Tile } from './tiles';
import { traceScale, type Trace } from './trace';

export interface DeviceOptions {
  trace?: Trace;
  /** Largest tile side wanted (the binding limit may cut it further). */
  tile: number;
  /** The adapter's maxStorageBufferBindingSize, in bytes. */
  maxBindingBytes: number;
  onProgress?: (fraction: number) => void;
}

/** One block of rows' factors, resident on the device (a type, not an interface, so tf.tidy may return it). */
type FactorBlock = {
  /** The input of each dense layer, [rows × in_l]. */
  inputs: TF.Tensor2D[];
  /** g_l of each dense layer but the last, [rows × o·out_l] (output k in columns k·out_l …); the last layer's is e_k and needs none. */
  gradients: TF.Tensor2D[];
};

/** The dense layers (this path computes networks of dense layers and activations only; engines/device.ts checks). */
function denseLayers(model: Network): { layer: DenseLayer; index: number }[] {
  return model.layers.flatMap((layer, index) => (layer.kind === 'dense' ? [{ layer, index }] : []));
}

/**
 * The block side: at most `wanted`, a multiple of 64, and small enough that
 * the widest factor block (side × widest) and a tile (side²) each fit in one binding.
 */
export function deviceBlockSide(model: Network, wanted: number, maxBindingBytes: number): number {
  const outputs = outputDimOf(model);
  const dense = denseLayers(model);
  const widest = Math.max(...dense.map(({ layer }, k) => Math.max(layer.inDim, k + 1 < dense.length ? outputs * layer.outDim : 0)));
  const floats = Math.floor(maxBindingBytes / 4);
  const side = Math.min(wanted, Math.floor(floats / widest), Math.floor(Math.sqrt(floats)));
  return Math.max(64, Math.floor(side / 64) * 64);
}

/** Forward pass of rows [r0, r1) in tfjs ops, with zero shifts on each hidden dense output for autodiff to differentiate. */
function factorBlock(tf: typeof TF, model: Network, samples: Samples, r0: number, r1: number, params: TF.Tensor[][]): FactorBlock {
  const rows = r1 - r0;
  const outputs = outputDimOf(model);
  const dense = denseLayers(model);
  const last = model.layers.length - 1;
  const x = tf.tensor2d(samples.values.subarray(r0 * samples.dim, r1 * samples.dim), [rows, samples.dim]);
  // The input of every dense layer, and f as a function of the shifts on the hidden dense outputs.
  const run = (shifts: TF.Tensor[]) => {
    const inputs: TF.Tensor2D[] = [];
    let a: TF.Tensor = x;
    let shift = 0;
    model.layers.forEach((layer, l) => {
      if (layer.kind === 'dense') inputs.push(a as TF.Tensor2D);
      a = kindOf(layer).tensorForward(tf as never, layer, a, params[l]);
      if (layer.kind === 'dense' && l !== last) a = tf.add(a, shifts[shift++]);
    });
    return { inputs, output: a as TF.Tensor2D };
  };
  const hidden = dense.filter(({ index }) => index !== last);
  const zeros = hidden.map(({ layer }) => tf.zeros([rows, layer.outDim]));
  const { inputs } = run(zeros);
  const perOutput: TF.Tensor[][] = [];
  for (let k = 0; k < outputs; k++) {
    // Σ_i f_k(x_i): its gradient with respect to row i's shift is row i's g_l.
    perOutput.push(tf.grads((...shifts: TF.Tensor[]) => tf.sum(tf.slice(run(shifts).output, [0, k], [rows, 1])) as TF.Scalar)(zeros));
  }
  const gradients = zeros.map((_, l) => tf.concat(perOutput.map((g) => g[l]), 1) as TF.Tensor2D);
  return { inputs, gradients };
}

/** K for the blocks I × J, on the device, not yet read back. */
function tileOnDevice(tf: typeof TF, model: Network, fi: FactorBlock, fj: FactorBlock, scale: number): TF.Tensor2D {
  const outputs = outputDimOf(model);
  const dense = denseLayers(model).map(({ layer }) => layer);
  const lastIndex = dense.length - 1;
  const last = dense[lastIndex];
  const gram = (a: TF.Tensor2D, b: TF.Tensor2D) => tf.matMul(a, b, false, true);
  let k: TF.Tensor = tf.mul(gram(fi.inputs[lastIndex], fj.inputs[lastIndex]), outputs * last.weightScale ** 2);
  if (last.bias) k = tf.add(k, outputs * last.biasScale ** 2);
  for (let l = 0; l < lastIndex; l++) {
    const layer = dense[l];
    let p: TF.Tensor = tf.mul(gram(fi.inputs[l], fj.inputs[l]), layer.weightScale ** 2);
    if (layer.bias) p = tf.add(p, layer.biasScale ** 2);
    k = tf.add(k, tf.mul(p, gram(fi.gradients[l], fj.gradients[l])));
  }
  return (scale === 1 ? k : tf.mul(k, scale)) as TF.Tensor2D;
}

/** Θ(X, Y) (Y = X when null) into `sink`, tile by tile, computed on tf's active (device) backend. */
export async function structuredKernelOnDevice(tf: typeof TF, model: Network, x: Samples, y: Samples | null, sink: KernelSink, options: DeviceOptions): Promise<{ stats: TileStats }> {
  const side = deviceBlockSide(model, options.tile, options.maxBindingBytes);
  const symmetric = y === null;
  const scale = traceScale(options.trace ?? 'sum', outputDimOf(model));
  const params = model.layers.map((layer) => kindOf(layer).parameters(layer).map((p) => tf.tensor(p.data, p.shape)));
  const blocksOf = (samples: Samples) => {
    const edges = cuts(samples.count, side);
    return edges.slice(0, -1).map((r0, i) => tf.tidy(() => factorBlock(tf, model, samples, r0, edges[i + 1], params)));
  };
  const rowBlocks = blocksOf(x);
  const colBlocks = y ? blocksOf(y) : rowBlocks;
  const rowIndex = new Map(cuts(x.count, side).map((e, i) => [e, i]));
  const colIndex = y ? new Map(cuts(y.count, side).map((e, i) => [e, i])) : rowIndex;
  const total = x.count * (y ? y.count : x.count);
  let done = 0;
  let stats: TileStats | null = null;
  const finish = async (tile: Tile, tensor: TF.Tensor2D) => {
    const data = (await tensor.data()) as Float32Array;
    tensor.dispose();
    const view = { data, rows: tile.r1 - tile.r0, cols: tile.c1 - tile.c0 };
    sink.writeBlock(tile.r0, tile.c0, view, false);
    const mirrored = symmetric && tile.r0 !== tile.c0;
    if (mirrored) sink.writeBlock(tile.c0, tile.r0, view, true);
    stats = mergeStats(stats, mirroredStats(tileStats(view, tile), mirrored));
    done += view.rows * view.cols * (mirrored ? 2 : 1);
    options.onProgress?.(done / total);
  };
  try {
    let pending: { tile: Tile; tensor: TF.Tensor2D } | null = null;
    for (const tile of tilePlan(x.count, y ? y.count : x.count, side, symmetric)) {
      const fi = rowBlocks[rowIndex.get(tile.r0)!];
      const fj = colBlocks[colIndex.get(tile.c0)!];
      const tensor = tf.tidy(() => tileOnDevice(tf, model, fi, fj, scale));
      if (pending) await finish(pending.tile, pending.tensor);
      pending = { tile, tensor };
    }
    if (pending) await finish(pending.tile, pending.tensor);
  } finally {
    const blocks = y ? [...rowBlocks, ...colBlocks] : rowBlocks;
    for (const block of blocks) for (const t of [...block.inputs, ...block.gradients]) t.dispose();
    for (const t of params.flat()) t.dispose();
  }
  return { stats: stats! };
}
