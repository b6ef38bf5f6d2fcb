/**
 * The traced structured kernel on a WebGPU device (kernel/onDevice.ts): the
 * factors and the tiles computed and kept on the device, only finished tiles
 * read back into the sink. Applies when the run found a device (--backend
 * webgpu, or auto with a hardware GPU for a large kernel) and every layer with
 * parameters is dense. Host memory: two tiles being read back, and the matrix
 * where it is kept; the factors live on the device.
 */
import { MatrixSink } from '../kernel/sink';
import { statsFromTiles } from '../kernel/stats';
import { structuredKernelOnDevice } from '../kernel/onDevice';
import { parameterCount } from '../model/network';
import { releaseWebGpu } from '../tfjs/webgpu';
import { seconds } from './common';
import { kernelShape } from './run';
import type { Engine, RunConfig } from './types';

/** Tile side on a device: large tiles keep a GPU busy (the binding limit may cut it, onDevice.ts). */
const DEVICE_TILE = 4096;

/** Whether every layer is dense or an activation (what the device's factors are written for). */
export function denseOnly(config: RunConfig): boolean {
  const kinds = config.model ? config.model.layers.map((layer) => layer.kind) : config.network.architecture.layers.map((entry) => entry.kind);
  return kinds.every((kind) => kind === 'dense' || kind === 'activation');
}

export const deviceEngine: Engine = {
  name: 'structured on a WebGPU device',
  applies: (config, environment) =>
    environment.device !== null && !config.tiles && config.network.width.kind === 'finite' && config.method === 'structured' && config.trace !== 'none' && denseOnly(config),
  memory(config, _environment, keepsMatrix) {
    const { rows, cols } = kernelShape(config);
    const side = Math.min(DEVICE_TILE, Math.max(rows, cols));
    const parts: Record<string, number> = { tiles: 2 * side * side * 4 };
    if (keepsMatrix) parts.kernel = rows * cols * 4;
    return parts;
  },
  async compute(config, environment, run, sink) {
    const device = environment.device!;
    const { rows, cols } = kernelShape(config);
    const memory = sink ? null : new MatrixSink(rows, cols);
    const start = process.hrtime.bigint();
    try {
      const options = { trace: config.trace, tile: DEVICE_TILE, maxBindingBytes: device.adapter.maxStorageBufferBindingSize, onProgress: config.onProgress };
      const { stats } = await structuredKernelOnDevice(device.tf, run.model!, run.inputs, config.inputs2 ?? null, sink ?? memory!, options);
      return {
        model: run.model,
        inputs: run.inputs,
        kernel: memory?.matrix ?? null,
        rows,
        cols,
        parameters: parameterCount(run.model!),
        linalg: 'tfjs',
        backend: 'webgpu',
        adapter: device.adapter,
        dual: null,
        byQuadrature: false,
        engine: this.name,
        kernelSeconds: seconds(start),
        productSeconds: null,
        stats: statsFromTiles(stats, !config.inputs2),
      };
    } finally {
      releaseWebGpu(device.tf);
    }
  },
};
