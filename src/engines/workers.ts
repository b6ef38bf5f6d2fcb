/**
 * The structured kernel on worker threads (workers/tileWorkers.ts), for the
 * TensorFlow.js wasm and cpu backends, which run one thread each: `threads`
 * workers share the factors and the tiles through shared memory. Used for
 * kernels of WORKER_MIN_CELLS cells or more; below that, starting the workers
 * costs more than they save. Memory: the factors in shared buffers (and the
 * heap of this thread's TensorFlow.js that computed them), each worker's tiles
 * and TensorFlow.js heap, and the matrix where it is kept (in shared memory
 * when the sink is not).
 */
import { MatrixSink } from '../kernel/sink';
import { statsFromTiles } from '../kernel/stats';
import { tileSideFor } from '../kernel/tiles';
import { factorBytes, finiteResult, networkOf, seconds } from './common';
import { linalgNameOf, tileBytes } from './structured';
import { kernelShape } from './run';
import type { Engine, RunConfig, RunEnvironment } from './types';

/** Kernels with at least this many cells go to worker threads when the products are TensorFlow.js's wasm or cpu backend. */
export const WORKER_MIN_CELLS = 1500 * 1500;

function applies(config: RunConfig, environment: RunEnvironment): boolean {
  if (config.network.width.kind !== 'finite' || config.method !== 'structured' || config.trace === 'none' || config.tiles) return false;
  // An ONNX graph runs on this thread's TensorFlow.js (its backend chosen for it).
  if (config.model?.layers.some((layer) => layer.kind === 'graph')) return false;
  const { rows, cols } = kernelShape(config);
  return (environment.backend === 'wasm' || environment.backend === 'cpu') && environment.linalg?.name === 'tfjs' && config.threads > 1 && rows * cols >= WORKER_MIN_CELLS;
}

export const workersEngine: Engine = {
  name: 'structured on worker threads',
  applies,
  memory(config, environment, keepsMatrix) {
    const { rows, cols, samples } = kernelShape(config);
    const name = linalgNameOf(environment);
    const side = Math.min(tileSideFor(name, !keepsMatrix), Math.max(rows, cols));
    const factors = factorBytes(networkOf(config), samples);
    // This thread computes the factors on TensorFlow.js before the workers start: its WebAssembly heap
    // holds them once more and never shrinks, grown by up to 20% at a time (Emscripten's heap growth).
    const parts: Record<string, number> = { factors, 'factor pass': 1.2 * factors, tiles: tileBytes(config, name, side, config.threads) };
    if (keepsMatrix) parts.kernel = rows * cols * 4;
    return parts;
  },
  async compute(config, environment, run, sink) {
    const { rows, cols } = kernelShape(config);
    const start = process.hrtime.bigint();
    const tile = tileSideFor('tfjs', sink !== null && !sink.inPlace);
    // Workers write to shared memory or to the open file; any other sink gets the matrix afterwards.
    const shared = sink?.shared?.() ?? null;
    const memory = shared ? null : new MatrixSink(rows, cols, new Float32Array(new SharedArrayBuffer(rows * cols * 4)));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { workerKernel } = require('../workers/tileWorkers') as typeof import('../workers/tileWorkers');
    const options = { threads: config.threads, backend: environment.backend as 'wasm' | 'cpu', trace: config.trace, tile, onProgress: config.onProgress };
    const tileStats = await workerKernel(run.model!, run.inputs, config.inputs2 ?? null, shared ?? memory!.shared()!, options);
    // Where the sink cannot be shared with the workers, the kernel computed in shared memory is drained into it (computeNtk).
    const kernel = memory ? memory.matrix : null;
    return finiteResult(config, environment, run, this.name, kernel, { kernelSeconds: seconds(start), productSeconds: null }, statsFromTiles(tileStats, !config.inputs2));
  },
};
