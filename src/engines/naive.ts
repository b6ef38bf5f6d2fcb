/**
 * The seed's method (`--method naive`, kernel/naive.ts): one gradient per
 * sample and output through TensorFlow.js autodiff, stacked into Jacobians
 * and contracted. An independent cross-check of the structured kernel, for
 * small networks: O(n·P) memory for the Jacobians.
 */
import { naiveKernel } from '../kernel/naive';
import { factorBytes, finiteResult, networkOf, seconds } from './common';
import { kernelShape } from './run';
import type { Engine } from './types';
import { outputDimOf, parameterCount } from '../model/network';

export const naiveEngine: Engine = {
  name: 'naive',
  applies: (config) => config.network.width.kind === 'finite' && config.method === 'naive',
  memory(config) {
    const { rows, cols, samples } = kernelShape(config);
    const network = networkOf(config);
    // J(X), and J(Y) for a cross-kernel (`samples` counts both): one float32 row of P per sample and output (kernel/naive.ts reads them row by row).
    const jacobianRows = samples * outputDimOf(network);
    return { factors: factorBytes(network, samples), jacobian: jacobianRows * parameterCount(network) * 4, kernel: 2 * rows * cols * 4 };
  },
  async compute(config, environment, run) {
    const linalg = environment.linalg!;
    const start = process.hrtime.bigint();
    const kernel = naiveKernel(run.model!, run.inputs, config.inputs2 ?? null, linalg, { trace: config.trace });
    config.onProgress?.(1);
    return finiteResult(config, environment, run, this.name, kernel, { kernelSeconds: seconds(start), productSeconds: linalg.seconds() });
  },
};
