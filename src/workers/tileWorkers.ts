/**
 * The structured kernel on worker threads, for the TensorFlow.js wasm and cpu
 * backends, which run one thread each: `threads` workers, each with its own
 * backend, share the work through counters in shared memory. (BLAS runs its
 * own threads in-process, and the node backend is never loaded in a worker.)
 *
 * Phase 1: workers claim blocks of rows and compute their factors into shared
 * buffers. Phase 2: they claim tiles (tiles.ts) and write each, with its
 * mirror image, to the sink: a shared matrix, or the open .npy file.
 */
import path = require('node:path');
import { Worker } from 'node:worker_threads';
import { termShapesOf, type KernelTerm } from '../layers';
import { outputDimOf, type Network } from '../model/network';
import type { MatrixView, Samples, SharedSink } from '../types';
import type { Factors } from '../kernel/factors';
import { mergeStats, type TileStats } from '../kernel/stats';
import { tilePlan } from '../kernel/tiles';
import { traceScale, type Trace } from '../kernel/trace';

export interface WorkerSetup {
  model: Network;
  outputs: number;
  x: Samples;
  y: Samples | null;
  factorsX: Factors;
  factorsY: Factors | null;
  blockRows: number;
  /** Tiles as [r0, r1, c0, c1] quadruples. */
  tiles: Int32Array;
  symmetric: boolean;
  scale: number;
  tile: number;
  sink: SharedSink;
  /** [X factor blocks claimed, tiles claimed, Y factor blocks claimed, factors-done flag]. */
  counters: Int32Array;
}

export type WorkerMessage =
  | { type: 'factors-done' }
  | { type: 'tile-done'; cells: number; stats: TileStats }
  | { type: 'done' }
  | { type: 'error'; message: string };

const BLOCK_ROWS = 1024;

function sharedMatrix(rows: number, cols: number): MatrixView {
  return { data: new Float32Array(new SharedArrayBuffer(rows * cols * 4)), rows, cols };
}

/** Shared buffers for the factors of `count` samples: each layer's term, shaped as layers/ says. */
function sharedFactors(model: Network, count: number): Factors {
  const outputs = outputDimOf(model);
  const terms = termShapesOf(model.layers, outputs).map((shape): KernelTerm =>
    shape.kind === 'gram'
      ? { kind: 'gram', jacobian: sharedMatrix(count, shape.columns) }
      : { kind: 'product', inputs: sharedMatrix(count, shape.inputs), gradients: shape.gradients === null ? null : sharedMatrix(count, shape.gradients), weightScale2: shape.weightScale2, bias2: shape.bias2 },
  );
  return { count, terms };
}

function sharedSamples(samples: Samples): Samples {
  const values = new Float32Array(new SharedArrayBuffer(samples.values.length * 4));
  values.set(samples.values);
  return { ...samples, values };
}

export interface WorkerKernelOptions {
  threads: number;
  backend: 'wasm' | 'cpu';
  trace?: Trace;
  tile: number;
  onProgress?: (fraction: number) => void;
}

export async function workerKernel(model: Network, x: Samples, y: Samples | null, sink: SharedSink, options: WorkerKernelOptions): Promise<TileStats> {
  const symmetric = y === null;
  const tiles = tilePlan(x.count, y ? y.count : x.count, options.tile, symmetric);
  const counters = new Int32Array(new SharedArrayBuffer(16));
  const setup: WorkerSetup = {
    model,
    outputs: outputDimOf(model),
    x: sharedSamples(x),
    y: y ? sharedSamples(y) : null,
    factorsX: sharedFactors(model, x.count),
    factorsY: y ? sharedFactors(model, y.count) : null,
    blockRows: BLOCK_ROWS,
    tiles: Int32Array.from(tiles.flatMap((t) => [t.r0, t.r1, t.c0, t.c1])),
    symmetric,
    scale: traceScale(options.trace ?? 'sum', outputDimOf(model)),
    tile: options.tile,
    sink,
    counters,
  };
  const threads = Math.max(1, Math.min(options.threads, tiles.length));
  const total = sink.rows * sink.cols;
  let done = 0;
  let factorsDone = 0;
  let stats: TileStats | null = null;
  const workers = Array.from({ length: threads }, () => new Worker(path.join(__dirname, 'tileWorker.js'), { workerData: { backend: options.backend } }));
  const finished = workers.map(
    (worker) =>
      new Promise<void>((resolve, reject) => {
        worker.on('message', (message: WorkerMessage) => {
          switch (message.type) {
            case 'factors-done':
              if (++factorsDone === threads) {
                Atomics.store(counters, 3, 1);
                Atomics.notify(counters, 3);
              }
              break;
            case 'tile-done':
              done += message.cells;
              stats = mergeStats(stats, message.stats);
              options.onProgress?.(done / total);
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
    for (const worker of workers) worker.postMessage(setup);
    await Promise.all(finished);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return stats!;
}
