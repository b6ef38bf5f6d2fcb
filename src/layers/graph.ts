/**
 * A network read from an ONNX file whose graph is not a plain stack of
 * ntk-cli's layers (a residual connection, a normalisation, any op of the
 * table): the whole graph is one layer, run by TensorFlow.js (onnx/run.ts).
 *
 * Its kernel terms (onnx/plan.ts has the cases): one batched forward pass
 * keeps each weight's input a, then per output k one backward pass gives,
 * for every sample at once, the output gradient δ of each node with a
 * weight (the gradient of Σ_i f_k(x_i) with respect to a zero probe added to
 * the node's output) and the per-sample gradients of the element-wise
 * parameters (given one copy per sample). Then a Gemm's or MatMul's weight
 * is a `product` term (α²·a·a′ + β²)·(δ·δ′), a convolution's a `gram` term
 * of its patches times δ (layers/conv.ts's), and the others `gram` terms of
 * their per-sample gradients. O(o) forward and backward passes.
 *
 * The network's parameters θ are the plan's; the rest of the graph's
 * initializers are constants. Training (predict --train-network) steps θ by
 * autodiff's gradient of the loss.
 */
import type * as TF from '@tensorflow/tfjs';
import type { OnnxModel } from '../onnx/model';
import type { GraphPlan, TermPlan } from '../onnx/plan';
import type * as OnnxOpTypes from '../onnx/ops/types';
import type * as OnnxRun from '../onnx/run';
import { floatArray } from '../linalg/memory';
import { tfjsWithGradients } from '../tfjs/backend';
import type { Linalg, MatrixView } from '../linalg/types';
import { conv, type ConvLayer } from './conv';
import { LayerShapeError, type KernelTerm, type KernelTermShape, type LayerKind, type ParameterTensor } from './types';

export interface GraphSpec {
  kind: 'graph';
  /** The file it came from, for summaries. */
  name: string;
  outputs: number;
}

export interface GraphLayer extends GraphSpec {
  model: OnnxModel;
  plan: GraphPlan;
}

const tfjs = (): typeof TF => tfjsWithGradients();
// The graph runner and its op table load when a graph layer first runs: networks of ntk-cli's own layers never need them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runGraph: typeof OnnxRun.runGraph = (...args) => (require('../onnx/run') as typeof OnnxRun).runGraph(...args);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const constantTensor: typeof OnnxOpTypes.constantTensor = (...args) => (require('../onnx/ops/types') as typeof OnnxOpTypes).constantTensor(...args);

/** Rows of x as a batch of the graph's input shape. */
function batch(tf: typeof TF, layer: GraphLayer, x: MatrixView): TF.Tensor {
  const n = x.rows;
  const d = x.cols;
  const data = (x.ld ?? d) === d ? x.data.subarray(0, n * d) : Float32Array.from({ length: n * d }, (_, k) => x.data[Math.floor(k / d) * x.ld! + (k % d)]!);
  return tf.tensor(data, [n, ...layer.plan.input]);
}

/** θ as tensors, in the plan's order. */
function thetaTensors(tf: typeof TF, layer: GraphLayer): TF.Tensor[] {
  return layer.plan.theta.map((name) => {
    const t = layer.model.initializers[name]!;
    return tf.tensor(t.data, t.dims, 'float32');
  });
}

/** f(x) as n × outputs rows. */
function outputsOf(tf: typeof TF, layer: GraphLayer, x: TF.Tensor, parameters?: Map<string, TF.Tensor>): TF.Tensor2D {
  const { output } = runGraph(tf, layer.model, x, { parameters });
  return tf.reshape(output, [x.shape[0]!, layer.outputs]) as TF.Tensor2D;
}

/** f's value, every tensor it made disposed (tf.tidy keeps only tensors). */
function tidied<T>(tf: typeof TF, f: () => T): T {
  let result!: T;
  tf.tidy(() => {
    result = f();
  });
  return result;
}

function matrixOf(t: TF.Tensor): MatrixView {
  const [rows, ...rest] = t.shape;
  const data = floatArray(t.size);
  data.set(t.dataSync() as Float32Array);
  return { data, rows: rows!, cols: rest.reduce((a, b) => a * b, 1) };
}

/** Per-output blocks [n × cols] side by side: [n × outputs·cols], output k at columns k·cols. */
function sideBySide(blocks: MatrixView[]): MatrixView {
  const { rows, cols } = blocks[0]!;
  const out = { data: floatArray(rows * cols * blocks.length), rows, cols: cols * blocks.length };
  blocks.forEach((b, k) => {
    for (let i = 0; i < rows; i++) out.data.set(b.data.subarray(i * cols, (i + 1) * cols), i * out.cols + k * cols);
  });
  return out;
}

const probed = (t: TermPlan): t is Extract<TermPlan, { node: string }> => t.kind !== 'perSample';

/** The layer's terms (see above), from samples `x`. */
function graphTerms(layer: GraphLayer, x: MatrixView, linalg: Linalg): KernelTerm[] {
  const tf = tfjs();
  const n = x.rows;
  const { model, plan } = layer;
  const o = layer.outputs;
  const terms = plan.terms;
  const factored = terms.filter(probed);
  const perSample = terms.filter((t): t is Extract<TermPlan, { kind: 'perSample' }> => t.kind === 'perSample');
  // The weights' inputs a, and the shapes of their outputs (the probes').
  const inputs = new Map<string, MatrixView>();
  const probeShapes = new Map<string, number[]>();
  const xt = batch(tf, layer, x);
  // The initializers as tensors once for the 1 + o runs below, and the per-sample copies of parameters.
  const constants = new Map(Object.entries(model.initializers).map(([name, t]) => [name, constantTensor(tf, t)]));
  const copies = perSample.map((t) => {
    const p = model.initializers[t.param]!;
    return tf.tile(tf.reshape(constants.get(t.param)!, [1, ...p.dims]), [n, ...p.dims.map(() => 1)]);
  });
  tf.tidy(() => {
    const nodeOutputs = factored.map((t) => model.nodes.find((node) => node.name === t.node)!.outputs[0]!);
    const run = runGraph(tf, model, xt, { keep: [...factored.map((t) => t.input), ...nodeOutputs], parameters: constants });
    factored.forEach((t, i) => {
      inputs.set(t.node, matrixOf(run.kept.get(t.input)!));
      probeShapes.set(t.node, run.kept.get(nodeOutputs[i]!)!.shape);
    });
  });
  // Per output: δ at each probe and each per-sample parameter's gradients.
  const deltas = new Map<string, MatrixView[]>(factored.map((t) => [t.node, []]));
  const perSampleGrads = new Map<string, MatrixView[]>(perSample.map((t) => [t.param, []]));
  const names = new Set(perSample.map((t) => t.param));
  for (let k = 0; k < o; k++) {
    tf.tidy(() => {
      const probes = factored.map((t) => tf.zeros(probeShapes.get(t.node)!));
      const f = (...vars: TF.Tensor[]) => {
        const probeMap = new Map(factored.map((t, i) => [t.node, vars[i]!]));
        const parameters = new Map([...constants, ...perSample.map((t, i): [string, TF.Tensor] => [t.param, vars[factored.length + i]!])]);
        const { output } = runGraph(tf, model, xt, { probes: probeMap, parameters, perSample: names });
        return tf.sum(tf.slice(tf.reshape(output, [n, o]), [0, k], [n, 1])) as TF.Scalar;
      };
      const grads = tf.grads(f)([...probes, ...copies]);
      factored.forEach((t, i) => deltas.get(t.node)!.push(matrixOf(grads[i]!)));
      perSample.forEach((t, i) => perSampleGrads.get(t.param)!.push(matrixOf(grads[factored.length + i]!)));
    });
  }
  xt.dispose();
  for (const t of [...constants.values(), ...copies]) t.dispose();
  return terms.map((t): KernelTerm => {
    switch (t.kind) {
      case 'product':
        return { kind: 'product', inputs: inputs.get(t.node)!, gradients: sideBySide(deltas.get(t.node)!), weightScale2: t.alpha ** 2, bias2: t.bias ? t.beta ** 2 : 0 };
      case 'batched': {
        // Σ_t a_t ⊗ δ_t per sample: a [n, T, in]ᵀ · δ [n, T, out].
        const a = inputs.get(t.node)!;
        const blocks = deltas.get(t.node)!.map((d) =>
          tidied(tf, () => {
            const at = tf.tensor3d(a.data.subarray(0, a.rows * a.cols), [n, a.cols / t.inputs, t.inputs]);
            const dt = tf.tensor3d(d.data.subarray(0, d.rows * d.cols), [n, d.cols / t.units, t.units]);
            return matrixOf(tf.matMul(at, dt, true, false));
          }),
        );
        return { kind: 'gram', jacobian: sideBySide(blocks) };
      }
      case 'conv': {
        const g = t.geometry;
        const bias = t.bias ? model.initializers[t.bias]!.data as Float32Array : null;
        const convLayer: ConvLayer = {
          kind: 'conv', input: { channels: g.channels, height: g.height, width: g.width }, outChannels: t.outChannels, outHeight: g.outHeight, outWidth: g.outWidth,
          size: g.k, stride: g.stride, pad: g.pad, padding: 'valid', weight: model.initializers[t.weight]!.data as Float32Array, bias, weightScale: 1, biasScale: 1,
        };
        return conv.kernelTerm!(convLayer, { output: { data: new Float32Array(0), rows: 0, cols: 0 }, input: inputs.get(t.node)! }, deltas.get(t.node)!, o, linalg) as KernelTerm;
      }
      case 'perSample':
        return { kind: 'gram', jacobian: sideBySide(perSampleGrads.get(t.param)!) };
    }
  });
}

function termShapes(layer: GraphLayer, outputs: number): KernelTermShape[] {
  return layer.plan.terms.map((t): KernelTermShape => {
    switch (t.kind) {
      case 'product':
        return { kind: 'product', inputs: t.inputs, gradients: outputs * t.units, weightScale2: t.alpha ** 2, bias2: t.bias ? t.beta ** 2 : 0 };
      case 'batched':
        return { kind: 'gram', columns: outputs * t.inputs * t.units };
      case 'conv':
        return { kind: 'gram', columns: outputs * t.outChannels * (t.geometry.channels * t.geometry.k ** 2 + (t.bias ? 1 : 0)) };
      case 'perSample':
        return { kind: 'gram', columns: outputs * t.size };
    }
  });
}

export const graph: LayerKind<GraphSpec, GraphLayer> = {
  kind: 'graph',
  trainable: true,
  outputShape: (spec) => [spec.outputs],
  init(spec) {
    throw new LayerShapeError(`${spec.name}: an ONNX graph's parameters come from its file`);
  },
  specOf: (layer) => ({ kind: 'graph', name: layer.name, outputs: layer.outputs }),
  parameters(layer): ParameterTensor[] {
    return layer.plan.theta.map((name) => {
      const t = layer.model.initializers[name]!;
      return { name, shape: t.dims, data: t.data as Float32Array };
    });
  },
  forward(layer, x) {
    const tf = tfjs();
    const output = tidied(tf, () => matrixOf(outputsOf(tf, layer, batch(tf, layer, x))));
    return { output, input: x };
  },
  backward(layer) {
    throw new LayerShapeError(`${layer.name}: an ONNX graph is the whole network; nothing comes before it`);
  },
  kernelTerm: (layer, saved, _deltas, _outputs, linalg) => graphTerms(layer, saved.input!, linalg),
  termShape: (layer, outputs) => termShapes(layer, outputs),
  descend(layer, saved, delta, learningRate) {
    const tf = tfjs();
    const n = saved.input!.rows;
    tf.tidy(() => {
      const xt = batch(tf, layer, saved.input!);
      const weights = tf.tensor2d(delta.data.subarray(0, n * layer.outputs), [n, layer.outputs]);
      // ∂L/∂θ = Σ_i δ_i·∂f(x_i)/∂θ: the gradient of Σ δ ⊙ f.
      const grads = tf.grads((...theta: TF.Tensor[]) => tf.sum(tf.mul(outputsOf(tf, layer, xt, new Map(layer.plan.theta.map((name, i) => [name, theta[i]!]))), weights)) as TF.Scalar)(thetaTensors(tf, layer));
      layer.plan.theta.forEach((name, i) => {
        const data = layer.model.initializers[name]!.data;
        const g = grads[i]!.dataSync();
        for (let j = 0; j < data.length; j++) data[j] -= learningRate * g[j]!;
      });
    });
  },
  tensorForward(tf, layer, x, params) {
    return outputsOf(tf as never, layer, x as never, new Map(layer.plan.theta.map((name, i) => [name, params[i] as never]))) as never;
  },
  describe: (spec) => `${spec.name} (ONNX graph)`,
};
