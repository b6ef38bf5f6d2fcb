/**
 * The MLP shorthand: the seed's flags (input dimension, width, depth, outputs,
 * activation) as a network dense:W, φ, …, dense:O (model/architecture.ts),
 * and the sizes reports give for one.
 */
import type { Parameterization } from '../layers';
import { mlpArchitecture, resolveLayers } from './architecture';
import { buildNetwork, type Network } from './network';
import { TorchGenerator } from './torchRandom';

export { PARAMETERIZATIONS, type Parameterization } from '../layers';
export { outputDimOf, parameterCount, type Network } from './network';

/** A network of dense layers and activations (the seed's kind). */
export type Mlp = Network;

/** The MLP shape the seed's flags describe, as NTK tests and experiments use it. */
export interface MlpShape {
  inputDim: number;
  /** Width of each hidden layer. */
  width: number;
  /** Number of hidden layers (the seed's net has 1). */
  depth: number;
  outputDim: number;
  activation: string;
  parameterization: Parameterization;
  /** NTK parameterization only: weight and bias standard deviations σ_w, σ_b. */
  sigmaW?: number;
  sigmaB?: number;
}

/** The MLP of `shape`, drawn from `generator`. */
export function initMlp(shape: MlpShape, generator: TorchGenerator): Network {
  const architecture = mlpArchitecture(shape.inputDim, shape.depth, shape.outputDim, shape.activation);
  const options = { parameterization: shape.parameterization, sigmaW: shape.sigmaW ?? 1, sigmaB: shape.sigmaB ?? 1 };
  return buildNetwork(resolveLayers(architecture, shape.width), architecture.input, options, generator);
}

/** The seed's setup in one call: `torch.manual_seed(seed)`, the network, then `torch.randn(samples, inputDim)`. */
export function seededModelAndInputs(shape: MlpShape, samples: number, seed: bigint | number): { model: Network; inputs: Float32Array } {
  const generator = new TorchGenerator(seed);
  const model = initMlp(shape, generator);
  const inputs = generator.randn(samples * shape.inputDim);
  return { model, inputs };
}

/** The dense layers' sizes of a network: [in_1, out_1, out_2, …, out_L]. */
export function layerSizesOf(network: Network): number[] {
  const dense = network.layers.filter((layer) => layer.kind === 'dense');
  return dense.length ? [dense[0].inDim, ...dense.map((layer) => layer.outDim)] : [];
}
