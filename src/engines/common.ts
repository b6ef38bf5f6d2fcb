/** What the finite-width engines share: the kernel's shape, the factors' memory, a clock. */
import { kernelStats } from '../kernel/stats';
import { termShapesOf, walkShapes } from '../layers';
import { resolveLayers } from '../model/architecture';
import { buildNetwork, outputDimOf, parameterCount, sizeOf, specsOf, type Network } from '../model/network';
import type { TorchGenerator } from '../model/torchRandom';
import { kernelShape } from './run';
import type { NtkResult, RunConfig, RunEnvironment, RunInputs } from './types';

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** A generator that draws nothing: zeros where parameters go, for a network built only for its sizes. */
const NO_DRAWS = { randn: (count: number) => new Float32Array(count), uniform: (count: number) => new Float32Array(count) } as unknown as TorchGenerator;

const standIns = new WeakMap<RunConfig['network'], Network>();

/** The network a finite run computes with: given, or a stand-in of its sizes for planning (zeros for parameters; built once per spec). */
export function networkOf(config: RunConfig): Network {
  if (config.model) return config.model;
  const { network } = config;
  if (network.width.kind !== 'finite') throw new RangeError('an infinite-width network has no layers to build');
  let standIn = standIns.get(network);
  if (!standIn) {
    const options = { parameterization: network.parameterization, sigmaW: network.sigmaW, sigmaB: network.sigmaB };
    standIn = buildNetwork(resolveLayers(network.architecture, network.width.units), network.architecture.input, options, NO_DRAWS);
    standIns.set(network, standIn);
  }
  return standIn;
}

/** The largest number of values one sample has anywhere in the network. */
function widestActivation(network: Network): number {
  const { inputs, output } = walkShapes(specsOf(network), network.input);
  return Math.max(...[...inputs, output].map(sizeOf));
}

/**
 * Bytes of the factors of `samples` samples: each layer's kernel term
 * (layers/: inputs and output gradients, or a Jacobian), the forward pass's
 * scratch (two of the widest activations) and the upstream gradients (o).
 */
export function factorBytes(network: Network, samples: number): number {
  const outputs = outputDimOf(network);
  let columns = 0;
  for (const shape of termShapesOf(network.layers, outputs)) columns += shape.kind === 'product' ? shape.inputs + (shape.gradients ?? 0) : shape.columns;
  return samples * (columns + 2 * widestActivation(network) + outputs) * 4;
}

/** The parts of a finite result every engine fills the same way. */
export function finiteResult(
  config: RunConfig,
  environment: RunEnvironment,
  run: RunInputs,
  engine: string,
  kernel: Float32Array | null,
  timing: { kernelSeconds: number; productSeconds: number | null },
  stats?: NtkResult['stats'],
): NtkResult {
  const { rows, cols } = kernelShape(config);
  return {
    model: run.model,
    inputs: run.inputs,
    kernel,
    rows,
    cols,
    parameters: parameterCount(run.model!),
    linalg: environment.linalg?.name ?? 'tfjs',
    backend: environment.backend,
    dual: null,
    byQuadrature: false,
    engine,
    ...timing,
    stats: stats ?? kernelStats(kernel!, rows, cols),
  };
}
