/**
 * The whole kernel over outputs (`--trace none`, kernel/fullOutputs.ts): the
 * same factors, contracted output by output into an (n·o) × (m·o) matrix in
 * memory, with one product of its size beside it.
 */
import { fullOutputKernel } from '../kernel/fullOutputs';
import { factorBytes, finiteResult, networkOf, seconds } from './common';
import { kernelShape } from './run';
import type { Engine } from './types';

export const fullOutputsEngine: Engine = {
  name: 'structured over outputs',
  applies: (config) => config.network.width.kind === 'finite' && config.method === 'structured' && config.trace === 'none',
  memory(config) {
    const { rows, cols, samples } = kernelShape(config);
    return { factors: factorBytes(networkOf(config), samples), kernel: 2 * rows * cols * 4 };
  },
  computeNow: (config, environment, run) => fullOutputKernel(run.model!, run.inputs, config.inputs2 ?? null, environment.linalg!),
  async compute(config, environment, run) {
    const linalg = environment.linalg!;
    const start = process.hrtime.bigint();
    const kernel = fullOutputKernel(run.model!, run.inputs, config.inputs2 ?? null, linalg);
    config.onProgress?.(1);
    return finiteResult(config, environment, run, this.name, kernel, { kernelSeconds: seconds(start), productSeconds: linalg.seconds() });
  },
};
