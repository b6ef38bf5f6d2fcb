/**
 * A dense layer, z = s_w·W·a + s_b·b, with W stored as PyTorch stores
 * `nn.Linear.weight`: row-major [out, in]. s_w and s_b are 1 in standard
 * parameterization; in NTK parameterization σ_w/√fan_in and σ_b (Jacot et
 * al. 2018; neural-tangents `stax.Dense(parameterization='ntk')`).
 *
 * Init, in PyTorch's draw order (weight, then bias):
 *   standard  `nn.Linear.reset_parameters`: weight `kaiming_uniform_(a=√5)`,
 *             U(−b, b) with b = √3·gain/√fan_in, gain = √(2/(1 + a²)); bias
 *             U(−1/√fan_in, 1/√fan_in). Both bounds computed in doubles as
 *             Python does, then cast to float32.
 *   ntk       weight `torch.randn(out, in)`, bias `torch.randn(out)`.
 * Passes (n rows): z = s_w·a·Wᵀ + s_b·b; δ_in = s_w·δ·W;
 *   ∂L/∂W = s_w·δᵀ·a, ∂L/∂b = s_b·Σ_i δ_i. O(n·in·out) each.
 * Kernel term: ∂f/∂W = s_w·g·aᵀ and ∂f/∂b = s_b·g are rank one per sample,
 *   so ⟨∂f(x)/∂θ, ∂f(x')/∂θ⟩ = (s_w²·a·a′ + s_b²)·(g·g′), g = ∂f/∂z
 *   (neural-tangents' structured derivatives for Dense).
 * Infinite width (NTK parameterization): Σ ↦ σ_w²·Σ + σ_b², Θ ↦ σ_w²·Θ + Σ_new.
 */
import { floatArray } from '../linalg/memory';
import type { MatrixView } from '../linalg/types';
import { LayerShapeError, type Forwarded, type LayerKind, type ParameterTensor, type Units } from './types';
import { drawWeightAndBias, scalesFor } from './linearInit';

export interface DenseSpec {
  kind: 'dense';
  /** A number once resolved (model/architecture.ts), 'W' for the hidden width before. */
  units: Units;
}

export interface DenseLayer {
  kind: 'dense';
  inDim: number;
  outDim: number;
  /** Row-major [outDim, inDim], PyTorch's layout. */
  weight: Float32Array;
  /** [outDim], or null for a layer without bias. */
  bias: Float32Array | null;
  weightScale: number;
  biasScale: number;
}

function matrix(rows: number, cols: number): MatrixView {
  return { data: floatArray(rows * cols), rows, cols };
}

function weightView(layer: DenseLayer): MatrixView {
  return { data: layer.weight, rows: layer.outDim, cols: layer.inDim };
}

/** The units of a resolved spec. */
const unitsOf = (spec: DenseSpec) => spec.units as number;

export const dense: LayerKind<DenseSpec, DenseLayer> = {
  kind: 'dense',
  trainable: true,
  fixedBackward: true,
  stateDictName: 'lin',
  outputShape(spec, input) {
    if (input.length !== 1) throw new LayerShapeError(`dense:${spec.units} takes a vector, not a ${input.join('×')} input: put flatten or gap before it`);
    return [unitsOf(spec)];
  },
  init(spec, input, options, generator) {
    const [inDim, outDim] = [input[0], unitsOf(spec)];
    const { weight, bias } = drawWeightAndBias(outDim * inDim, outDim, inDim, options, generator);
    return { kind: 'dense', inDim, outDim, weight, bias, ...scalesFor(inDim, options) };
  },
  fromTensors(spec, input, { weight, bias }, options) {
    const inDim = input[0];
    if (weight.shape.length !== 2 || weight.shape[0] !== unitsOf(spec) || weight.shape[1] !== inDim) {
      throw new LayerShapeError(`weight has shape [${weight.shape.join(', ')}], dense:${spec.units} after ${inDim} inputs needs [${spec.units}, ${inDim}]`);
    }
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== spec.units)) throw new LayerShapeError(`bias has shape [${bias.shape.join(', ')}], expected [${spec.units}]`);
    return { kind: 'dense', inDim, outDim: unitsOf(spec), weight: weight.data, bias: bias ? bias.data : null, ...scalesFor(inDim, options) };
  },
  specOf: (layer) => ({ kind: 'dense', units: layer.outDim }),
  parameters(layer) {
    const tensors: ParameterTensor[] = [{ name: 'weight', shape: [layer.outDim, layer.inDim], data: layer.weight }];
    if (layer.bias) tensors.push({ name: 'bias', shape: [layer.outDim], data: layer.bias });
    return tensors;
  },
  forward(layer, x, linalg): Forwarded {
    const z = matrix(x.rows, layer.outDim);
    // z ← s_b·b in every row, then z ← s_w·x·Wᵀ + z, as PyTorch's addmm does: the product adds the bias, with no pass of its own.
    if (layer.bias) {
      const bias = layer.bias.map((b) => b * layer.biasScale);
      for (let i = 0; i < z.rows; i++) z.data.set(bias, i * z.cols);
    }
    linalg.gemm(layer.weightScale, x, false, weightView(layer), true, layer.bias ? 1 : 0, z);
    return { output: z, input: x };
  },
  backward(layer, _saved, delta, linalg) {
    const previous = matrix(delta.rows, layer.inDim);
    linalg.gemm(layer.weightScale, delta, false, weightView(layer), false, 0, previous);
    return previous;
  },
  kernelTerm(layer, saved, deltas, outputs) {
    const common = { kind: 'product' as const, inputs: saved.input!, weightScale2: layer.weightScale ** 2, bias2: layer.bias ? layer.biasScale ** 2 : 0 };
    if (deltas === null) return { ...common, gradients: null };
    const n = saved.input!.rows;
    if (outputs === 1 && deltas[0].rows === n) return { ...common, gradients: deltas[0] };
    // Every output's g side by side: column k·out + j holds output k (a one-row g is every sample's).
    const width = layer.outDim;
    const gradients = matrix(n, outputs * width);
    deltas.forEach((delta, k) => {
      for (let i = 0; i < n; i++) {
        const row = delta.rows === 1 ? 0 : i;
        gradients.data.set(delta.data.subarray(row * width, (row + 1) * width), i * gradients.cols + k * width);
      }
    });
    return { ...common, gradients };
  },
  termShape(layer, outputs, last) {
    return { kind: 'product', inputs: layer.inDim, gradients: last ? null : outputs * layer.outDim, weightScale2: layer.weightScale ** 2, bias2: layer.bias ? layer.biasScale ** 2 : 0 };
  },
  descend(layer, saved, delta, learningRate, linalg) {
    // ∂L/∂W = s_w·δᵀ·a, folded into one update W ← W − η·s_w·δᵀa.
    linalg.gemm(-learningRate * layer.weightScale, delta, true, saved.input!, false, 1, weightView(layer));
    if (layer.bias) {
      for (let j = 0; j < layer.outDim; j++) {
        let sum = 0;
        for (let i = 0; i < delta.rows; i++) sum += delta.data[i * delta.cols + j];
        layer.bias[j] -= learningRate * layer.biasScale * sum;
      }
    }
  },
  infinite(spec, { sigmaW, sigmaB }, input) {
    if (input.kind !== 'vector') throw new LayerShapeError(`dense:${spec.units} takes a vector: put flatten or gap before it`);
    const w2 = sigmaW ** 2;
    const b2 = sigmaB ** 2;
    return {
      output: input,
      map(row) {
        const { count, sigma, theta } = row;
        for (let j = 0; j < count; j++) {
          sigma[j] = w2 * sigma[j] + b2;
          theta[j] = w2 * theta[j] + sigma[j];
        }
        return row;
      },
    };
  },
  inputLayoutFor: () => 'vector',
  tensorForward(tf, layer, x, params) {
    let z = tf.mul(tf.matMul(x as never, tf.transpose(params[0]) as never), layer.weightScale);
    if (layer.bias) z = tf.add(z, tf.mul(params[1], layer.biasScale));
    return z;
  },
  describe(spec) {
    return `dense:${spec.units}`;
  },
};
