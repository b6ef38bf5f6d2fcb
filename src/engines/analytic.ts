/**
 * The infinite-width kernel (kernel/analytic.ts), in float64: closed forms on
 * this thread, quadrature on worker threads from a few thousand pairs on
 * (each pair costs thousands of evaluations). Memory: the NNGP and NTK
 * matrices, O(n·m) each.
 */
import { activation, dualMethod } from '../activations';
import { analyticKernels, closedForm, type InfiniteSpec } from '../kernel/analytic';
import { kernelStats } from '../kernel/stats';
import { rowsPerSample } from '../kernel/trace';
import { outputCount } from '../model/architecture';
import { seconds } from './common';
import type { Engine, RunConfig } from './types';

/** Infinite-width kernels by quadrature run on worker threads from this many pairs of inputs on. */
const QUADRATURE_WORKER_MIN_PAIRS = 2000;

export function infiniteSpec(config: RunConfig): InfiniteSpec {
  const { network } = config;
  return { architecture: network.architecture, sigmaW: network.sigmaW, sigmaB: network.sigmaB, trace: config.trace, quadrature: { nodes: config.quadrature } };
}

/** How the activations' maps are computed, for reports: 'closed form', or the quadrature. */
function dualOf(config: RunConfig): string {
  const names = config.network.architecture.layers.flatMap((entry) => (entry.kind === 'activation' ? [entry.name] : []));
  const numeric = names.find((name) => activation(name).closedForm === null);
  return dualMethod(activation(numeric ?? names[0] ?? 'identity'), { nodes: config.quadrature });
}

export const analyticEngine: Engine = {
  name: 'analytic',
  applies: (config) => config.network.width.kind === 'infinite',
  memory(config) {
    const perSample = rowsPerSample(config.trace, outputCount(config.network.architecture));
    const rows = (config.inputs?.count ?? config.samples) * perSample;
    const cols = (config.inputs2?.count ?? config.inputs?.count ?? config.samples) * perSample;
    return { kernel: rows * cols * 16 }; // NNGP and NTK in float64
  },
  computeNow: (config, _environment, run) => analyticKernels(infiniteSpec(config), run.inputs, config.inputs2 ?? null)[config.kernel],
  async compute(config, _environment, run) {
    const spec = infiniteSpec(config);
    const inputs = run.inputs;
    const second = config.inputs2 ?? null;
    const start = process.hrtime.bigint();
    const onWorkers = !closedForm(spec) && config.threads > 1 && inputs.count * (second ?? inputs).count >= QUADRATURE_WORKER_MIN_PAIRS;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const workers = onWorkers ? (require('../workers/analyticWorkers') as typeof import('../workers/analyticWorkers')) : null;
    const kernels = workers ? await workers.analyticKernelsOnWorkers(spec, inputs, second, config.threads) : analyticKernels(spec, inputs, second);
    const kernel = kernels[config.kernel];
    const perSample = rowsPerSample(config.trace, outputCount(spec.architecture));
    const rows = inputs.count * perSample;
    const cols = (second ? second.count : inputs.count) * perSample;
    const stats = kernelStats(kernel, rows, cols);
    return { model: null, inputs, kernel, rows, cols, parameters: null, linalg: null, backend: null, dual: dualOf(config), engine: this.name, kernelSeconds: seconds(start), productSeconds: null, stats };
  },
};
