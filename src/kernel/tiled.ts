/**
 * The structured kernel for large n: the same formula as structuredKernel,
 * split into tiles computed on worker threads, each with its own
 * TensorFlow.js backend (tfjs-backend-wasm runs one thread per backend).
 *
 * Per-layer factors (a_{l-1}, g_l) are computed once, by blocks of rows, into
 * shared memory; then column blocks of K are claimed from a shared counter. A
 * symmetric kernel needs only the tiles on and above the diagonal (about
 * half the matrix products); each is mirrored when written. Tiles go to a
 * sink: a shared Float32Array, or straight into an open .npy file, so a
 * kernel-only run never holds the n×n matrix in memory.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { Mlp } from '../model/mlp';
import { activateBackend, type BackendChoice } from './backend';
import { layerFactors, type Samples } from './structured';
import type { FactorBuffers, Sink, TileStats, WorkerMessage, WorkerSetup } from './tileWorker';
import { traceScale, type Trace } from './trace';

export interface TiledOptions {
  threads: number;
  backend: BackendChoice;
  /** Tile side (default 1024): larger tiles grow each worker's tfjs heap. */
  tile?: number;
  trace?: Trace;
  /** Called after every tile with the fraction of cells done. */
  onProgress?: (done: number) => void;
}

const BLOCK_ROWS = 1024;

/**
 * Up to this many samples the main thread computes the factors itself while
 * the workers start (tens of milliseconds), and the workers skip loading the
 * gradient code; above it the workers share the factor work by row blocks.
 */
const MAIN_THREAD_FACTOR_SAMPLES = 8192;

/** Fill `target` with the factors of `samples` on the main thread's backend. */
function factorsOnMainThread(model: Mlp, samples: Samples, target: FactorBuffers): void {
  const d = model.layers[0].inDim;
  tf.tidy(() => {
    const factors = layerFactors(model, tf.tensor2d(samples.values, [samples.count, d]));
    factors.inputs.forEach((t, l) => target.inputs[l].set(t.dataSync() as Float32Array));
    factors.gradients.forEach((t, l) => target.gradients[l].set(t.dataSync() as Float32Array));
  });
}

function sharedFloats(count: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(count * 4));
}

/** Shared buffers for a_{l-1} and g_l of `count` samples. */
function factorBuffers(model: Mlp, count: number): FactorBuffers {
  const outputDim = model.layers[model.layers.length - 1].outDim;
  return {
    inputs: model.layers.map((layer) => sharedFloats(count * layer.inDim)),
    gradients: model.layers.map((layer) => sharedFloats(count * layer.outDim * outputDim)),
    count,
  };
}

/**
 * Column blocks [start, end) of a `cols`-wide matrix, the workers' tasks. In
 * a symmetric kernel block J covers rows up to its end, so the last blocks are
 * the largest and go first (longest-first keeps the threads evenly loaded).
 */
export function columnBlocks(cols: number, tile: number, symmetric: boolean): Int32Array {
  const blocks: [number, number][] = [];
  for (let c = 0; c < cols; c += tile) blocks.push([c, Math.min(cols, c + tile)]);
  if (symmetric) blocks.reverse();
  return Int32Array.from(blocks.flat());
}

/** Shares `values` with the workers (copied once into a SharedArrayBuffer). */
function shared(values: Float32Array): Float32Array {
  const out = sharedFloats(values.length);
  out.set(values);
  return out;
}

export interface TiledResult {
  backend: string;
  /** Over the whole matrix; `diagonal` is its trace when square. */
  stats: TileStats;
}

/** Compute Θ(X, Y) (Y = X when null) into `sink`, whose row stride is Y's count. */
export async function tiledKernel(model: Mlp, x: Samples, y: Samples | null, sink: Sink, options: TiledOptions): Promise<TiledResult> {
  const symmetric = y === null;
  const rows = x.count;
  const cols = y ? y.count : rows;
  const tile = options.tile ?? 1024;
  const blocks = columnBlocks(cols, tile, symmetric);
  const counters = new Int32Array(new SharedArrayBuffer(16));
  const outputDim = model.layers[model.layers.length - 1].outDim;
  const factorsReady = rows + (y ? cols : 0) <= MAIN_THREAD_FACTOR_SAMPLES;
  const setup: WorkerSetup = {
    model,
    x: shared(x.values),
    y: y ? shared(y.values) : null,
    factorsX: factorBuffers(model, rows),
    factorsY: y ? factorBuffers(model, cols) : null,
    factorsReady,
    blockRows: BLOCK_ROWS,
    tile,
    columnBlocks: blocks,
    symmetric,
    cols,
    scale: traceScale(options.trace ?? 'sum', outputDim),
    sink,
    counters,
  };
  const threads = Math.max(1, Math.min(options.threads, blocks.length / 2));
  const totalCells = rows * cols;
  let doneCells = 0;
  let factorsDone = 0;
  let backend = '';
  const stats: TileStats = { min: Infinity, max: -Infinity, diagonal: 0, nonFinite: 0 };
  const workers = Array.from({ length: threads }, () => new Worker(path.join(__dirname, 'tileWorker.js'), { workerData: { backend: options.backend } }));
  const finished = workers.map(
    (worker) =>
      new Promise<void>((resolve, reject) => {
        worker.on('message', (message: WorkerMessage) => {
          switch (message.type) {
            case 'ready':
              backend = message.backend;
              break;
            case 'factors-done':
              if (++factorsDone === threads) {
                Atomics.store(counters, 3, 1);
                Atomics.notify(counters, 3);
              }
              break;
            case 'tile-done':
              doneCells += message.cells;
              stats.min = Math.min(stats.min, message.stats.min);
              stats.max = Math.max(stats.max, message.stats.max);
              stats.diagonal += message.stats.diagonal;
              stats.nonFinite += message.stats.nonFinite;
              options.onProgress?.(doneCells / totalCells);
              break;
            case 'done':
              resolve();
              break;
            case 'error':
              reject(new Error(message.message));
              break;
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kernel worker exited with code ${code}`))));
      }),
  );
  try {
    // The workers load while the main thread computes a small run's factors.
    if (factorsReady) {
      await activateBackend(options.backend);
      factorsOnMainThread(model, x, setup.factorsX);
      if (y && setup.factorsY) factorsOnMainThread(model, y, setup.factorsY);
    }
    for (const worker of workers) worker.postMessage(setup);
    await Promise.all(finished);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { backend, stats };
}
