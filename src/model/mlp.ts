/**
 * A fully connected network, as plain arrays: the data every kernel reads.
 *
 * Layer l computes z_l = weightScale_l · W_l a_{l-1} + biasScale_l · b_l, with W_l
 * stored as PyTorch stores `nn.Linear.weight`: row-major [outDim, inDim]. The
 * activation follows every layer but the last. weightScale and biasScale are 1
 * in standard parameterization; in NTK parameterization they are σ_w/√fan_in
 * and σ_b (Jacot et al. 2018; neural-tangents `stax.Dense(parameterization='ntk')`).
 */
import { TorchGenerator } from './torchRandom';

export const PARAMETERIZATIONS = ['standard', 'ntk'] as const;
export type Parameterization = (typeof PARAMETERIZATIONS)[number];

export interface DenseLayer {
  inDim: number;
  outDim: number;
  /** Row-major [outDim, inDim], PyTorch's layout. */
  weight: Float32Array;
  /** [outDim], or null for a layer without bias. */
  bias: Float32Array | null;
  weightScale: number;
  biasScale: number;
}

export interface Mlp {
  layers: DenseLayer[];
  /** The hidden activation's name (activations/index.ts). */
  activation: string;
}

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

/** The layer sizes [inputDim, width × depth, outputDim]. */
export function layerSizes(shape: Pick<MlpShape, 'inputDim' | 'width' | 'depth' | 'outputDim'>): number[] {
  return [shape.inputDim, ...Array<number>(shape.depth).fill(shape.width), shape.outputDim];
}

/** The layer sizes of a network: [in_1, out_1, out_2, …, out_L]. */
export function layerSizesOf(model: Mlp): number[] {
  return [model.layers[0].inDim, ...model.layers.map((l) => l.outDim)];
}

export function outputDimOf(model: Mlp): number {
  return model.layers[model.layers.length - 1].outDim;
}

/** Number of trainable parameters (every weight and bias). */
export function parameterCount(model: Mlp): number {
  return model.layers.reduce((sum, l) => sum + l.weight.length + (l.bias ? l.bias.length : 0), 0);
}

/**
 * Build the network with the draws PyTorch makes for the same architecture:
 * each layer in turn, weight then bias, from `generator` (seeded by the caller,
 * so that the inputs drawn afterwards continue the same stream, as in the seed).
 *
 * standard: `nn.Linear.reset_parameters`: weight `kaiming_uniform_(a=√5)`, i.e.
 *   U(−b, b) with b = √3 · gain/√fan_in, gain = √(2/(1+a²)); bias U(−1/√fan_in, 1/√fan_in).
 *   Both bounds are computed in doubles as Python does, then cast to float32.
 * ntk: weight `torch.randn(out, in)`, bias `torch.randn(out)`.
 */
export function initMlp(shape: MlpShape, generator: TorchGenerator): Mlp {
  const sizes = layerSizes(shape);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inDim = sizes[l];
    const outDim = sizes[l + 1];
    if (shape.parameterization === 'standard') {
      const a = Math.sqrt(5);
      const gain = Math.sqrt(2.0 / (1 + a ** 2));
      const std = gain / Math.sqrt(inDim);
      const weightBound = Math.sqrt(3.0) * std;
      const weight = generator.uniform(outDim * inDim, -weightBound, weightBound);
      const biasBound = 1 / Math.sqrt(inDim);
      const bias = generator.uniform(outDim, -biasBound, biasBound);
      layers.push({ inDim, outDim, weight, bias, weightScale: 1, biasScale: 1 });
    } else {
      const weight = generator.randn(outDim * inDim);
      const bias = generator.randn(outDim);
      const sigmaW = shape.sigmaW ?? 1;
      const sigmaB = shape.sigmaB ?? 1;
      layers.push({ inDim, outDim, weight, bias, weightScale: sigmaW / Math.sqrt(inDim), biasScale: sigmaB });
    }
  }
  return { layers, activation: shape.activation };
}

/** The seed's setup in one call: `torch.manual_seed(seed)`, the network, then `torch.randn(samples, inputDim)`. */
export function seededModelAndInputs(
  shape: MlpShape,
  samples: number,
  seed: bigint | number,
): { model: Mlp; inputs: Float32Array } {
  const generator = new TorchGenerator(seed);
  const model = initMlp(shape, generator);
  const inputs = generator.randn(samples * shape.inputDim);
  return { model, inputs };
}
