/**
 * The infinite-width kernel (kernel/analytic.ts), in float64, on worker
 * threads where the work pays for them (quadrature from a few thousand pairs,
 * each thousands of evaluations; closed forms from a few million pair
 * entries, as the pixels of a CNN's pairs make), else on this thread.
 * Memory: the NNGP and NTK matrices, O(n·m) each.
 */
import { activation, dualMethod } from '../activations';
import type * as Analytic from '../kernel/analytic';
import type { InfiniteSpec } from '../kernel/analytic';
import { kernelStats } from '../kernel/stats';
import { seconds } from './common';
import { kernelShape } from './run';
import type { Engine, RunConfig } from './types';

/**
 * Worker threads pay for themselves from about this much work: pairs of
 * inputs by quadrature (thousands of evaluations each), or pair entries in
 * closed form (pairs × the pixels each carries, kernel/analytic.ts).
 */
const QUADRATURE_WORKER_MIN_PAIRS = 2000;
const CLOSED_FORM_WORKER_MIN_ENTRIES = 4e6;

/** The infinite-width recursions, loaded when a kernel at infinite width is asked for. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analytic = (): typeof Analytic => require('../kernel/analytic') as typeof Analytic;

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
    const { rows, cols } = kernelShape(config);
    return { kernel: rows * cols * 16 }; // NNGP and NTK in float64
  },
  computeNow: (config, _environment, run) => analytic().analyticKernels(infiniteSpec(config), run.inputs, config.inputs2 ?? null)[config.kernel],
  async compute(config, _environment, run) {
    const spec = infiniteSpec(config);
    const inputs = run.inputs;
    const second = config.inputs2 ?? null;
    const start = process.hrtime.bigint();
    const { analyticKernels, closedForm, entriesPerPair } = analytic();
    const pairs = inputs.count * (second ?? inputs).count;
    const large = closedForm(spec) ? pairs * entriesPerPair(spec) >= CLOSED_FORM_WORKER_MIN_ENTRIES : pairs >= QUADRATURE_WORKER_MIN_PAIRS;
    const onWorkers = config.threads > 1 && large;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const workers = onWorkers ? (require('../workers/analyticWorkers') as typeof import('../workers/analyticWorkers')) : null;
    const kernels = workers ? await workers.analyticKernelsOnWorkers(spec, inputs, second, config.threads) : analyticKernels(spec, inputs, second);
    const kernel = kernels[config.kernel];
    const { rows, cols } = kernelShape(config);
    const stats = kernelStats(kernel, rows, cols);
    return { model: null, inputs, kernel, rows, cols, parameters: null, linalg: null, backend: null, dual: dualOf(config), byQuadrature: !closedForm(spec), engine: this.name, kernelSeconds: seconds(start), productSeconds: null, stats };
  },
};
