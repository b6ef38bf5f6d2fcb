/**
 * The structured kernel on this thread (kernel/structured.ts): the layers'
 * terms from one forward and one backward pass per output, then the kernel
 * tile by tile from matrix products on the host's linalg (OpenBLAS threads,
 * or one TensorFlow.js backend), streamed to the sink (a file's writes go on
 * while the next tile computes). Memory: the factors, three tiles (and a spare
 * and a transposed one when written in the background), and the matrix where
 * it is kept.
 */
import { MatrixSink } from '../kernel/sink';
import { statsFromTiles } from '../kernel/stats';
import { kernelMatrix } from '../kernel/matrix';
import { runTilesYielding, structuredKernel } from '../kernel/structured';
import { tileSideFor } from '../kernel/tiles';
import { outputDimOf } from '../model/network';
import { factorBytes, finiteResult, networkOf } from './common';
import { kernelShape } from './run';
import { MB, type Engine, type RunConfig, type RunEnvironment } from './types';

/** Peak memory of tiles on `workers` threads, `side` cells a side (tfjs allocates each product anew in its heap). */
export function tileBytes(config: RunConfig, linalgName: string, side: number, workers: number): number {
  const network = networkOf(config);
  const widest = Math.max(...network.layers.map((layer) => (layer.kind === 'dense' ? Math.max(layer.inDim, layer.outDim) : 0)), 1);
  return workers * (3 * side * side * 4 + (linalgName === 'tfjs' ? 120 * MB + 4 * side * widest * outputDimOf(network) * 4 : 0));
}

export function linalgNameOf(environment: RunEnvironment): string {
  return environment.linalg?.name ?? 'tfjs';
}

export const structuredEngine: Engine = {
  name: 'structured',
  applies: (config) => config.network.width.kind === 'finite' && config.method === 'structured' && config.trace !== 'none',
  memory(config, environment, keepsMatrix) {
    const { rows, cols, samples } = kernelShape(config);
    const name = linalgNameOf(environment);
    const side = Math.min(tileSideFor(name, !keepsMatrix), Math.max(rows, cols));
    // Streamed to one file in several tiles: a spare tile while one is written in the background, and for a
    // symmetric kernel its transposed copy (a task's block files are written in place: no background).
    const background = !keepsMatrix && !config.tiles && Math.max(rows, cols) > side;
    const extra = background ? (config.inputs2 ? 1 : 2) * side * side * 4 : 0;
    const parts: Record<string, number> = { factors: factorBytes(networkOf(config), samples), tiles: tileBytes(config, name, side, 1) + extra };
    if (keepsMatrix) parts.kernel = rows * cols * 4;
    return parts;
  },
  computeNow: (config, environment, run) => kernelMatrix(run.model!, run.inputs, config.inputs2 ?? null, environment.linalg!, config.trace),
  async compute(config, environment, run, sink) {
    const linalg = environment.linalg!;
    const { rows, cols } = kernelShape(config);
    const start = process.hrtime.bigint();
    const tile = tileSideFor(linalg.name, sink !== null && !sink.inPlace);
    const memory = sink ? null : new MatrixSink(rows, cols);
    const target = sink ?? memory!;
    const options = { trace: config.trace, tile, onProgress: config.onProgress, only: config.tiles, background: true };
    const { stats, computedAt } = await runTilesYielding(structuredKernel(run.model!, run.inputs, config.inputs2 ?? null, linalg, target, options));
    // The kernel's time ends with its last tile; the wait for that tile's write is the output's (in the total).
    const timing = { kernelSeconds: Number(computedAt - start) / 1e9, productSeconds: linalg.seconds() };
    return finiteResult(config, environment, run, this.name, memory?.matrix ?? null, timing, statsFromTiles(stats, !config.inputs2));
  },
};
