/**
 * A worker thread of tiledKernel, with its own TensorFlow.js backend.
 *
 * Phase 1 (factors): claim blocks of rows from a shared counter and compute
 * their layer inputs a_{l-1} and pre-activation gradients g_l (one batched
 * forward and one backward pass per output, as structuredKernel does), into
 * shared buffers. Phase 2 (tiles): claim column blocks J from a second
 * counter; for each row block I (I ≤ J when the kernel is symmetric) compute
 * K_IJ = Σ_l (s_w² A_I A_Jᵀ + s_b²) ⊙ (G_I G_Jᵀ) and hand it to the sink (the
 * shared matrix, or the .npy file), mirrored into (J, I) when symmetric.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { activateBackend, type BackendChoice } from './backend';
import { scanValues } from './stats';
import type { Mlp } from '../model/mlp';

export interface FactorBuffers {
  /** Per layer: a_{l-1} of every sample, [count, inDim_l]. */
  inputs: Float32Array[];
  /** Per layer: g_l of every output side by side, [count, gradWidth_l]. */
  gradients: Float32Array[];
  count: number;
}

export type Sink =
  | { kind: 'memory'; matrix: Float32Array }
  | { kind: 'file'; fd: number; dataOffset: number };

export interface WorkerSetup {
  model: Mlp;
  /** Row-major samples in shared memory: X, and Y for a cross-kernel. */
  x: Float32Array;
  y: Float32Array | null;
  factorsX: FactorBuffers;
  factorsY: FactorBuffers | null;
  /** The main thread filled the factors already (small runs): skip phase 1. */
  factorsReady: boolean;
  /** Rows per factor block. */
  blockRows: number;
  tile: number;
  /** Column blocks as [colStart, colEnd] pairs, in the order they are claimed. */
  columnBlocks: Int32Array;
  symmetric: boolean;
  /** Columns of the full matrix (the sink's row stride). */
  cols: number;
  scale: number;
  sink: Sink;
  /** [X factor blocks claimed, column blocks claimed, Y factor blocks claimed, factors-done flag]. */
  counters: Int32Array;
}

/** What the main thread needs to summarise a kernel it never holds. */
export interface TileStats {
  min: number;
  max: number;
  /** Sum of the diagonal entries inside the tile. */
  diagonal: number;
  nonFinite: number;
}

export function tileStats(values: Float32Array, r0: number, r1: number, c0: number, c1: number): TileStats {
  const { min, max, nonFinite } = scanValues(values);
  let diagonal = 0;
  const w = c1 - c0;
  for (let i = Math.max(r0, c0); i < Math.min(r1, c1); i++) diagonal += values[(i - r0) * w + (i - c0)];
  return { min, max, diagonal, nonFinite };
}

export type WorkerMessage =
  | { type: 'ready'; backend: string }
  | { type: 'factors-done' }
  | { type: 'tile-done'; cells: number; stats: TileStats }
  | { type: 'done' }
  | { type: 'error'; message: string };

function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

function computeFactors(setup: WorkerSetup, samples: Float32Array, target: FactorBuffers, counterIndex: number): void {
  // Loaded here, not at the top: the gradients come with the tfjs union package, which only this phase needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { layerFactors } = require('./structured') as typeof import('./structured');
  const d = setup.model.layers[0].inDim;
  const blocks = Math.ceil(target.count / setup.blockRows);
  for (;;) {
    const b = Atomics.add(setup.counters, counterIndex, 1);
    if (b >= blocks) return;
    const start = b * setup.blockRows;
    const end = Math.min(target.count, start + setup.blockRows);
    tf.tidy(() => {
      const x = tf.tensor2d(samples.subarray(start * d, end * d), [end - start, d]);
      const factors = layerFactors(setup.model, x);
      factors.inputs.forEach((t, l) => target.inputs[l].set(t.dataSync() as Float32Array, start * t.shape[1]));
      factors.gradients.forEach((t, l) => target.gradients[l].set(t.dataSync() as Float32Array, start * t.shape[1]));
    });
  }
}

function block(buffer: Float32Array, width: number, start: number, end: number): tf.Tensor2D {
  return tf.tensor2d(buffer.subarray(start * width, end * width), [end - start, width]);
}

/** The per-layer factors of one column block, transposed once and kept on the backend for all its tiles. */
interface ColumnBlock {
  inputsT: tf.Tensor2D[];
  gradientsT: tf.Tensor2D[];
}

function gradientWidth(factors: FactorBuffers, l: number): number {
  return factors.gradients[l].length / factors.count;
}

function columnBlock(setup: WorkerSetup, c0: number, c1: number): ColumnBlock {
  const fy = setup.factorsY ?? setup.factorsX;
  return tf.tidy(() => ({
    inputsT: setup.model.layers.map((layer, l) => tf.keep(tf.transpose(block(fy.inputs[l], layer.inDim, c0, c1)))),
    gradientsT: setup.model.layers.map((_, l) => tf.keep(tf.transpose(block(fy.gradients[l], gradientWidth(fy, l), c0, c1)))),
  }));
}

/**
 * K[r0:r1, c0:c1] = Σ_l (s_w² A_I A_Jᵀ + s_b²) ⊙ (G_I G_Jᵀ), with the column block's transposes cached:
 * a transposed matMul operand is 10–15× slower on tfjs-backend-wasm, and transposing per tile costs too.
 */
function tileValues(setup: WorkerSetup, columns: ColumnBlock, r0: number, r1: number): Float32Array {
  const fx = setup.factorsX;
  const result = tf.tidy(() => {
    let kernel: tf.Tensor2D | null = null;
    setup.model.layers.forEach((layer, l) => {
      let inputTerm = tf.matMul(block(fx.inputs[l], layer.inDim, r0, r1), columns.inputsT[l]);
      if (layer.weightScale !== 1) inputTerm = tf.mul(inputTerm, layer.weightScale ** 2);
      if (layer.bias) inputTerm = tf.add(inputTerm, layer.biasScale ** 2);
      const gradientTerm = tf.matMul(block(fx.gradients[l], gradientWidth(fx, l), r0, r1), columns.gradientsT[l]);
      const term = tf.mul(inputTerm, gradientTerm) as tf.Tensor2D;
      kernel = kernel ? (tf.add(kernel, term) as tf.Tensor2D) : term;
    });
    return setup.scale === 1 ? kernel! : tf.mul(kernel!, setup.scale);
  });
  const values = result.dataSync() as Float32Array;
  result.dispose();
  return values;
}

/** Write a tile (and, for a symmetric kernel off the diagonal, its transpose) to the sink. */
function writeTile(setup: WorkerSetup, values: Float32Array, r0: number, r1: number, c0: number, c1: number): void {
  const w = c1 - c0;
  const h = r1 - r0;
  const mirror = setup.symmetric && r0 !== c0;
  const { sink } = setup;
  if (sink.kind === 'memory') {
    for (let i = 0; i < h; i++) sink.matrix.set(values.subarray(i * w, (i + 1) * w), (r0 + i) * setup.cols + c0);
    if (mirror) {
      for (let j = 0; j < w; j++) {
        const row = (c0 + j) * setup.cols + r0;
        for (let i = 0; i < h; i++) sink.matrix[row + i] = values[i * w + j];
      }
    }
    return;
  }
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (let i = 0; i < h; i++) {
    fs.writeSync(sink.fd, bytes(values.subarray(i * w, (i + 1) * w)), 0, w * 4, sink.dataOffset + ((r0 + i) * setup.cols + c0) * 4);
  }
  if (mirror) {
    const column = new Float32Array(h);
    for (let j = 0; j < w; j++) {
      for (let i = 0; i < h; i++) column[i] = values[i * w + j];
      fs.writeSync(sink.fd, bytes(column), 0, h * 4, sink.dataOffset + ((c0 + j) * setup.cols + r0) * 4);
    }
  }
}

async function run(setup: WorkerSetup, backendReady: Promise<string>): Promise<void> {
  post({ type: 'ready', backend: await backendReady });
  if (!setup.factorsReady) {
    computeFactors(setup, setup.x, setup.factorsX, 0);
    if (setup.y && setup.factorsY) computeFactors(setup, setup.y, setup.factorsY, 2);
  }
  post({ type: 'factors-done' });
  // Wait until every worker has finished its factor blocks (main stores 1 in counters[3]).
  Atomics.wait(setup.counters, 3, 0);
  // Tasks are column blocks [c0, c1) with their row blocks; claimed largest first.
  const tasks = setup.columnBlocks.length / 2;
  for (;;) {
    const t = Atomics.add(setup.counters, 1, 1);
    if (t >= tasks) break;
    const [c0, c1] = setup.columnBlocks.subarray(t * 2, t * 2 + 2);
    const columns = columnBlock(setup, c0, c1);
    const lastRow = setup.symmetric ? c1 : setup.factorsX.count;
    for (let r0 = 0; r0 < lastRow; r0 += setup.tile) {
      const r1 = Math.min(lastRow, r0 + setup.tile);
      const values = tileValues(setup, columns, r0, r1);
      writeTile(setup, values, r0, r1, c0, c1);
      const copies = setup.symmetric && r0 !== c0 ? 2 : 1; // a mirrored tile stands twice in the matrix
      const stats = tileStats(values, r0, r1, c0, c1);
      stats.nonFinite *= copies;
      post({ type: 'tile-done', cells: (r1 - r0) * (c1 - c0) * copies, stats });
    }
    tf.dispose([...columns.inputsT, ...columns.gradientsT]);
  }
  post({ type: 'done' });
}

if (parentPort) {
  // Start the backend at once (the choice comes as workerData), while the main thread prepares the setup.
  const backendReady = activateBackend((workerData as { backend: BackendChoice }).backend);
  backendReady.catch(() => undefined); // reported by run()
  parentPort.once('message', (setup: WorkerSetup) => {
    run(setup, backendReady).catch((error: Error) => post({ type: 'error', message: error.message }));
  });
}
