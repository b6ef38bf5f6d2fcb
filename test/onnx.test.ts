/**
 * --model net.onnx: PyTorch's exports (fixtures/onnx/, fixtures/make_onnx_fixtures.py) give
 * PyTorch's per-sample-gradient kernels; every op of the table runs as onnxruntime runs it
 * (models built here, one op or a few each, at the opsets that change an op's form); the
 * refusals name the op, node, flag or file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { parseNpy } from '../src/io/npy';
import { parseOnnx } from '../src/io/onnx';
import { onnxNetwork } from '../src/onnx/network';
import { OPS } from '../src/onnx/ops';
import { runGraph } from '../src/onnx/run';
import { TorchGenerator } from '../src/model/torchRandom';
import { tfjsWithGradients } from '../src/tfjs/backend';
import { FIXTURES, kernelOf, relativeMaxError, runCli, tempDir } from './helpers';

const ONNX = path.join(FIXTURES, 'onnx');
const dir = tempDir('ntk-cli-onnx-');

interface OnnxCase {
  name: string;
  opset: number;
  samples: number;
  input_shape: number[];
  outputs?: number;
  theta?: string[];
  parameters?: number;
}

const caseOf = (name: string): OnnxCase => JSON.parse(fs.readFileSync(path.join(ONNX, name, 'case.json'), 'utf8'));
const npy = (file: string) => parseNpy(fs.readFileSync(file));
const fixture = (name: string, file: string) => npy(path.join(ONNX, name, file)).data;

const KERNEL_CASES = ['mlp', 'tutorial_cnn', 'residual_opset11', 'residual_opset13', 'residual_opset17', 'batchnorm', 'ops_elementwise', 'ops_shapes', 'ops_padding', 'ops_norms'];

for (const name of KERNEL_CASES) {
  test(`${name}: the kernel of PyTorch's export, traced and over outputs, equals PyTorch's per-sample-gradient kernel to 1e-5`, () => {
    const c = caseOf(name);
    const model = path.join(ONNX, name, 'model.onnx');
    const inputs = path.join(ONNX, name, 'inputs.npy');
    const traced = kernelOf(['--model', model, '--inputs', inputs], path.join(dir, `${name}.npy`));
    assert.ok(relativeMaxError(traced, fixture(name, 'kernel.npy')) < 1e-5, `traced ${relativeMaxError(traced, fixture(name, 'kernel.npy'))}`);
    const whole = kernelOf(['--model', model, '--inputs', inputs, '--trace', 'none'], path.join(dir, `${name}-none.npy`));
    assert.ok(relativeMaxError(whole, fixture(name, 'kernel_full.npy')) < 1e-5, `whole ${relativeMaxError(whole, fixture(name, 'kernel_full.npy'))}`);
    const report = JSON.parse(runCli(['kernel', '--model', model, '--inputs', inputs, '--out', path.join(dir, 'r.npy'), '--json']).stdout);
    assert.equal(report.parameters, c.parameters, 'θ has as many values as the PyTorch module');
  });
}

test("the MLP's export equals the same network given by --weights, bit for bit in float64", () => {
  const weights = path.join(dir, 'seed.safetensors');
  const inputs = path.join(ONNX, 'mlp', 'inputs.npy');
  // The seed's defaults are the exported network (Net(20, 10, 1) after torch.manual_seed(0)).
  kernelOf(['--save-model', weights, '--samples', '12'], path.join(dir, 'default.npy'));
  const fromWeights = kernelOf(['--weights', weights, '--inputs', inputs, '--dtype', 'float64'], path.join(dir, 'w.npy'));
  const fromModel = kernelOf(['--model', path.join(ONNX, 'mlp', 'model.onnx'), '--inputs', inputs, '--dtype', 'float64'], path.join(dir, 'm.npy'));
  assert.deepEqual(Array.from(fromModel), Array.from(fromWeights));
});

test("the tutorial CNN's export computes as the same network given with --arch, bit for bit", () => {
  // The fixture is TutorialCNN(12) after torch.manual_seed(1), then torch.randn(6, 3, 12, 12): what --seed 1 draws.
  const fromModel = kernelOf(['--model', path.join(ONNX, 'tutorial_cnn', 'model.onnx'), '--inputs', path.join(ONNX, 'tutorial_cnn', 'inputs.npy'), '--trace', 'none'], path.join(dir, 'cnn-model.npy'));
  const fromArch = kernelOf(['--arch', 'conv:32:3,relu,conv:32:3,relu,conv:32:3,flatten,dense:10', '--input-shape', '3x12x12', '--seed', '1', '--samples', '6', '--trace', 'none'], path.join(dir, 'cnn-arch.npy'));
  assert.deepEqual(Array.from(fromModel), Array.from(fromArch));
});

test('the tutorial CNN and the folded batch normalisation are read as layers; the residual network runs as a graph', () => {
  for (const [name, lowered] of [['tutorial_cnn', true], ['batchnorm', true], ['mlp', true], ['residual_opset13', false], ['ops_norms', false]] as const) {
    const file = path.join(ONNX, name, 'model.onnx');
    const network = onnxNetwork(parseOnnx(fs.readFileSync(file), file), 'model.onnx');
    assert.equal(network.layers[0]!.kind !== 'graph', lowered, name);
  }
});

test("--params picks θ: the residual network's readout alone gives PyTorch's kernel of those parameters", () => {
  const name = 'residual_opset13';
  const kernel = kernelOf(['--model', path.join(ONNX, name, 'model.onnx'), '--inputs', path.join(ONNX, name, 'inputs.npy'), '--params', '^fc\\.'], path.join(dir, 'fc.npy'));
  assert.ok(relativeMaxError(kernel, fixture(name, 'kernel_fc.npy')) < 1e-5);
  const report = JSON.parse(runCli(['kernel', '--model', path.join(ONNX, name, 'model.onnx'), '--inputs', path.join(ONNX, name, 'inputs.npy'), '--params', '^fc\\.', '--out', path.join(dir, 'fc.npy'), '--json']).stdout);
  assert.deepEqual(report.model.onnx.theta, ['fc.weight', 'fc.bias']);
  assert.equal(report.parameters, 3 * 128 + 3);
});

test('--method naive (autodiff of every parameter at once) agrees with the factored graph kernel', () => {
  const name = 'ops_elementwise';
  const args = ['--model', path.join(ONNX, name, 'model.onnx'), '--inputs', path.join(ONNX, name, 'inputs.npy'), '--trace', 'none'];
  const naive = kernelOf([...args, '--method', 'naive'], path.join(dir, 'naive.npy'));
  assert.ok(relativeMaxError(naive, fixture(name, 'kernel_full.npy')) < 1e-5);
});

test('random inputs of the model\'s shape come from --samples and --seed, as torch.randn draws them', () => {
  const name = 'residual_opset13';
  const saved = path.join(dir, 'drawn.npy');
  kernelOf(['--model', path.join(ONNX, name, 'model.onnx'), '--samples', '4', '--seed', '9', '--save-inputs', saved], path.join(dir, 'k.npy'));
  assert.deepEqual(npy(saved).shape, [4, 2, 8, 8]);
  // torch.manual_seed(9); torch.randn(4, 2, 8, 8): the network comes from the file, so nothing is drawn before.
  assert.deepEqual(Array.from(npy(saved).data), Array.from(new TorchGenerator(9).randn(4 * 128)));
});

test('predict trains the ONNX graph beside its kernel regression, and they agree at a small rate', () => {
  const name = 'residual_opset13';
  const inputs = path.join(ONNX, name, 'inputs.npy');
  const targets = path.join(dir, 'targets.csv');
  fs.writeFileSync(targets, Array.from({ length: 5 }, (_, i) => `${Math.sin(i)},${Math.cos(i)},${i / 5}`).join('\n') + '\n');
  const common = ['predict', '--model', path.join(ONNX, name, 'model.onnx'), '--train', inputs, '--targets', targets, '--test', inputs, '--lr', '0.01', '--json'];
  const start = runCli([...common, '--time', '0', '--out', path.join(dir, 'p0.npy')]);
  assert.equal(start.status, 0, start.stderr);
  const run = runCli([...common, '--train-network', '--steps', '10', '--out', path.join(dir, 'p10.npy')]);
  assert.equal(run.status, 0, run.stderr);
  const [before, after] = [npy(path.join(dir, 'p0.npy')).data, npy(path.join(dir, 'p10.npy')).data];
  const moved = Math.sqrt(Array.from(after, (v, i) => (v - before[i]!) ** 2).reduce((a, b) => a + b, 0) / after.length);
  // Ten small steps stay near the linear regime: the trained network is much nearer the prediction than the prediction is to f₀.
  const report = JSON.parse(run.stdout);
  assert.ok(report.network_rmse < 0.1 * moved, `trained network ${report.network_rmse} from the prediction, which moved ${moved}`);
});

const ERRORS: [string, string[], number, RegExp][] = [
  ['an LSTM', ['--model', path.join(ONNX, 'lstm', 'model.onnx')], 1, /--model .*lstm\/model\.onnx: unsupported ONNX op LSTM \(node \/lstm\/LSTM\)/],
  ['--width with --model', ['--model', path.join(ONNX, 'mlp', 'model.onnx'), '--width', '64'], 2, /--width contradicts --model/],
  ['--weights with --model', ['--model', path.join(ONNX, 'mlp', 'model.onnx'), '--weights', path.join(ONNX, 'mlp', 'model.onnx')], 2, /--weights contradicts --model/],
  ['--params matching nothing', ['--model', path.join(ONNX, 'mlp', 'model.onnx'), '--params', '^conv'], 1, /--params \^conv matches none of the model's parameters \(lin1\.weight, lin1\.bias, lin2\.weight, lin2\.bias\)/],
  ['--params without --model', ['--params', 'fc'], 2, /--params picks parameters of a --model network/],
  ['a file that is not a model', ['--model', path.join(ONNX, 'mlp', 'inputs.npy')], 1, /--model .*inputs\.npy: not an ONNX model/],
  ['a missing file', ['--model', path.join(dir, 'nothing.onnx')], 1, /--model .*nothing\.onnx: no such file/],
  ['inputs of another shape', ['--model', path.join(ONNX, 'residual_opset13', 'model.onnx'), '--inputs', path.join(ONNX, 'mlp', 'inputs.npy')], 2, /--inputs .*: rows have 20 values, the network takes 2×8×8 images/],
];

for (const [what, args, code, message] of ERRORS) {
  test(`refused in one line, nothing written: ${what}`, () => {
    const out = path.join(dir, 'refused.npy');
    const run = runCli(['kernel', ...args, '--out', out]);
    assert.equal(run.status, code, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.ok(!fs.existsSync(out));
  });
}

// ---- Every op against onnxruntime, on models built here. ----

type Attr = number | number[] | string | { tensor: { dims: number[]; data: number[]; type?: number } } | { float: number } | { floats: number[] };

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs?: string[];
  attrs?: Record<string, Attr>;
}

interface ModelSpec {
  opset: number;
  /** One sample's shape; the batch is 'batch'. */
  input: number[];
  initializers?: Record<string, { dims: number[]; data: number[]; type?: number }>;
  nodes: NodeSpec[];
  /** Inputs in [low, high): for ops defined on part of the line. */
  range?: [number, number];
}

function tensorProto(name: string, t: { dims: number[]; data: number[]; type?: number }): onnx.ITensorProto {
  const type = t.type ?? 1;
  return type === 7 ? { name, dims: t.dims, dataType: 7, int64Data: t.data } : type === 9 ? { name, dims: t.dims, dataType: 9, int32Data: t.data } : { name, dims: t.dims, dataType: 1, floatData: t.data };
}

function attributeProto(name: string, value: Attr): onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: 3, s: Buffer.from(value) };
  if (Array.isArray(value)) return { name, type: 7, ints: value };
  if (typeof value === 'number') return { name, type: 2, i: value };
  if ('float' in value) return { name, type: 1, f: value.float };
  if ('floats' in value) return { name, type: 6, floats: value.floats };
  return { name, type: 4, t: tensorProto('', value.tensor) };
}

function buildModel(spec: ModelSpec): Uint8Array {
  const last = spec.nodes[spec.nodes.length - 1]!;
  const graph: onnx.IGraphProto = {
    name: 'test',
    node: spec.nodes.map((n, k) => ({ opType: n.op, name: `${n.op}_${k}`, input: n.inputs, output: n.outputs ?? [`v${k}`], attribute: Object.entries(n.attrs ?? {}).map(([a, v]) => attributeProto(a, v)) })),
    initializer: Object.entries(spec.initializers ?? {}).map(([name, t]) => tensorProto(name, t)),
    input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, ...spec.input.map((d) => ({ dimValue: d }))] } } } }],
    output: [{ name: (last.outputs ?? [`v${spec.nodes.length - 1}`])[0]!, type: { tensorType: { elemType: 1 } } }],
  };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: spec.opset }], producerName: 'ntk-cli tests', graph }).finish();
}

/** The same model's output on the same inputs, by onnxruntime and by ntk-cli. */
async function bothRuntimes(spec: ModelSpec, n = 3): Promise<{ ours: Float32Array; theirs: Float32Array }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const bytes = buildModel(spec);
  const size = spec.input.reduce((a, b) => a * b, 1);
  const [low, high] = spec.range ?? [-2, 2];
  const x = Float32Array.from({ length: n * size }, (_, i) => low + ((high - low) * ((Math.sin(i * 12.9898 + 78.233) * 43758.5453) % 1 + 1)) % (high - low));
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ x: new ort.Tensor('float32', x, [n, ...spec.input]) });
  const theirs = Float32Array.from(Object.values(result)[0]!.data as ArrayLike<number>, Number);
  const tf = tfjsWithGradients();
  const model = parseOnnx(bytes, path.join(dir, 'model.onnx'));
  const ours = tf.tidy(() => runGraph(tf as never, model, tf.tensor(x, [n, ...spec.input])).output.cast('float32').dataSync() as Float32Array);
  return { ours: Float32Array.from(ours), theirs };
}

const f = (dims: number[], seed = 1) => ({ dims, data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.round(Math.sin(seed * 7.1 + i * 1.7) * 1000) / 1000) });
const i64 = (values: number[]) => ({ dims: [values.length], data: values, type: 7 });

/** Models that use every op of the table, several forms of some. */
const OP_MODELS: Record<string, ModelSpec[]> = {
  Add: [{ opset: 13, input: [4], initializers: { b: f([4]) }, nodes: [{ op: 'Add', inputs: ['x', 'b'] }] }],
  Sub: [{ opset: 13, input: [4], initializers: { b: f([1, 4]) }, nodes: [{ op: 'Sub', inputs: ['b', 'x'] }] }],
  Mul: [{ opset: 13, input: [2, 3], initializers: { b: f([3]) }, nodes: [{ op: 'Mul', inputs: ['x', 'b'] }] }],
  Div: [{ opset: 13, input: [4], initializers: { b: { dims: [4], data: [1.5, -2, 0.5, 3] } }, nodes: [{ op: 'Div', inputs: ['x', 'b'] }] }],
  Pow: [{ opset: 13, input: [4], range: [0.1, 3], initializers: { e: { dims: [], data: [1.5] } }, nodes: [{ op: 'Pow', inputs: ['x', 'e'] }] }],
  Max: [{ opset: 13, input: [4], initializers: { a: f([4]), b: f([4], 2) }, nodes: [{ op: 'Max', inputs: ['x', 'a', 'b'] }] }],
  Min: [{ opset: 13, input: [4], initializers: { a: f([4]) }, nodes: [{ op: 'Min', inputs: ['x', 'a'] }] }],
  Sqrt: [{ opset: 13, input: [5], range: [0, 4], nodes: [{ op: 'Sqrt', inputs: ['x'] }] }],
  Exp: [{ opset: 13, input: [5], nodes: [{ op: 'Exp', inputs: ['x'] }] }],
  Log: [{ opset: 13, input: [5], range: [0.1, 5], nodes: [{ op: 'Log', inputs: ['x'] }] }],
  Sin: [{ opset: 13, input: [5], nodes: [{ op: 'Sin', inputs: ['x'] }] }],
  Cos: [{ opset: 13, input: [5], nodes: [{ op: 'Cos', inputs: ['x'] }] }],
  Abs: [{ opset: 13, input: [5], nodes: [{ op: 'Abs', inputs: ['x'] }] }],
  Neg: [{ opset: 13, input: [5], nodes: [{ op: 'Neg', inputs: ['x'] }] }],
  Reciprocal: [{ opset: 13, input: [5], range: [0.5, 3], nodes: [{ op: 'Reciprocal', inputs: ['x'] }] }],
  Erf: [{ opset: 13, input: [5], nodes: [{ op: 'Erf', inputs: ['x'] }] }],
  Tanh: [{ opset: 13, input: [5], nodes: [{ op: 'Tanh', inputs: ['x'] }] }],
  Sigmoid: [{ opset: 13, input: [5], nodes: [{ op: 'Sigmoid', inputs: ['x'] }] }],
  Relu: [{ opset: 13, input: [5], nodes: [{ op: 'Relu', inputs: ['x'] }] }],
  Softplus: [{ opset: 13, input: [5], range: [-8, 8], nodes: [{ op: 'Softplus', inputs: ['x'] }] }],
  LeakyRelu: [{ opset: 13, input: [5], nodes: [{ op: 'LeakyRelu', inputs: ['x'], attrs: { alpha: { float: 0.2 } } }] }],
  Elu: [{ opset: 13, input: [5], nodes: [{ op: 'Elu', inputs: ['x'], attrs: { alpha: { float: 0.5 } } }] }],
  HardSigmoid: [{ opset: 13, input: [5], range: [-4, 4], nodes: [{ op: 'HardSigmoid', inputs: ['x'] }] }],
  Clip: [
    { opset: 13, input: [5], initializers: { lo: { dims: [], data: [-0.5] }, hi: { dims: [], data: [1] } }, nodes: [{ op: 'Clip', inputs: ['x', 'lo', 'hi'] }] },
    { opset: 9, input: [5], nodes: [{ op: 'Clip', inputs: ['x'], attrs: { min: { float: -1 }, max: { float: 0.25 } } }] },
  ],
  Identity: [{ opset: 13, input: [3], nodes: [{ op: 'Identity', inputs: ['x'] }] }],
  Dropout: [{ opset: 13, input: [3], nodes: [{ op: 'Dropout', inputs: ['x'] }] }],
  Greater: [{ opset: 13, input: [4], initializers: { z: { dims: [], data: [0] } }, nodes: [{ op: 'Greater', inputs: ['x', 'z'] }, { op: 'Cast', inputs: ['v0'], attrs: { to: 1 } }] }],
  Less: [{ opset: 13, input: [4], initializers: { z: { dims: [], data: [0.5] } }, nodes: [{ op: 'Less', inputs: ['x', 'z'] }, { op: 'Cast', inputs: ['v0'], attrs: { to: 1 } }] }],
  // x = relu(x) exactly where x ≥ 0: an Equal that answered always or never, or compared by order, would differ.
  Equal: [{ opset: 13, input: [4], nodes: [{ op: 'Relu', inputs: ['x'] }, { op: 'Equal', inputs: ['x', 'v0'] }, { op: 'Not', inputs: ['v1'] }, { op: 'Cast', inputs: ['v2'], attrs: { to: 1 } }] }],
  Where: [{ opset: 13, input: [4], initializers: { z: { dims: [], data: [0] }, y: f([4]) }, nodes: [{ op: 'Greater', inputs: ['x', 'z'] }, { op: 'Where', inputs: ['v0', 'x', 'y'] }] }],
  Cast: [{ opset: 13, input: [4], nodes: [{ op: 'Cast', inputs: ['x'], attrs: { to: 7 } }, { op: 'Cast', inputs: ['v0'], attrs: { to: 1 } }] }],
  Gemm: [
    { opset: 13, input: [4], initializers: { w: f([3, 4]), c: f([3], 2) }, nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'c'], attrs: { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } } }] },
    { opset: 11, input: [4], initializers: { w: f([4, 3]) }, nodes: [{ op: 'Gemm', inputs: ['x', 'w'] }] },
  ],
  MatMul: [
    { opset: 13, input: [4], initializers: { w: f([4, 3]) }, nodes: [{ op: 'MatMul', inputs: ['x', 'w'] }] },
    { opset: 13, input: [2, 4], initializers: { w: f([4, 3]) }, nodes: [{ op: 'MatMul', inputs: ['x', 'w'] }] },
  ],
  Conv: [
    { opset: 13, input: [2, 6, 6], initializers: { w: f([3, 2, 3, 3]), b: f([3], 2) }, nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } }] },
    { opset: 13, input: [2, 7, 7], initializers: { w: f([4, 1, 3, 3]) }, nodes: [{ op: 'Conv', inputs: ['x', 'w'], attrs: { group: 2, dilations: [2, 2] } }] },
    { opset: 11, input: [2, 5, 5], initializers: { w: f([3, 2, 2, 2]) }, nodes: [{ op: 'Conv', inputs: ['x', 'w'], attrs: { auto_pad: 'SAME_UPPER' } }] },
    { opset: 13, input: [2, 9], initializers: { w: f([3, 2, 3]), b: f([3]) }, nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], attrs: { pads: [1, 0], strides: [2] } }] },
  ],
  MaxPool: [
    { opset: 13, input: [2, 6, 6], nodes: [{ op: 'MaxPool', inputs: ['x'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }] },
    { opset: 13, input: [1, 5, 5], nodes: [{ op: 'MaxPool', inputs: ['x'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }] },
  ],
  AveragePool: [
    { opset: 13, input: [2, 6, 6], nodes: [{ op: 'AveragePool', inputs: ['x'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }] },
    { opset: 13, input: [2, 6, 6], nodes: [{ op: 'AveragePool', inputs: ['x'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } }] },
  ],
  GlobalAveragePool: [{ opset: 13, input: [3, 4, 5], nodes: [{ op: 'GlobalAveragePool', inputs: ['x'] }] }],
  GlobalMaxPool: [{ opset: 13, input: [3, 4, 5], nodes: [{ op: 'GlobalMaxPool', inputs: ['x'] }] }],
  Flatten: [{ opset: 13, input: [2, 3, 4], nodes: [{ op: 'Flatten', inputs: ['x'], attrs: { axis: 2 } }] }],
  Reshape: [{ opset: 13, input: [2, 3, 4], initializers: { s: i64([0, -1, 4]) }, nodes: [{ op: 'Reshape', inputs: ['x', 's'] }] }],
  Transpose: [{ opset: 13, input: [2, 3, 4], nodes: [{ op: 'Transpose', inputs: ['x'], attrs: { perm: [0, 3, 1, 2] } }] }],
  Squeeze: [
    { opset: 13, input: [1, 3], initializers: { a: i64([1]) }, nodes: [{ op: 'Squeeze', inputs: ['x', 'a'] }] },
    { opset: 11, input: [3, 1], nodes: [{ op: 'Squeeze', inputs: ['x'], attrs: { axes: [-1] } }] },
  ],
  Unsqueeze: [
    { opset: 13, input: [3], initializers: { a: i64([1, 3]) }, nodes: [{ op: 'Unsqueeze', inputs: ['x', 'a'] }] },
    { opset: 11, input: [3], nodes: [{ op: 'Unsqueeze', inputs: ['x'], attrs: { axes: [2] } }] },
  ],
  Concat: [{ opset: 13, input: [2, 3], nodes: [{ op: 'Concat', inputs: ['x', 'x'], attrs: { axis: -1 } }, { op: 'Concat', inputs: ['v0', 'v0'], attrs: { axis: 1 } }] }],
  Shape: [{ opset: 13, input: [2, 3], nodes: [{ op: 'Shape', inputs: ['x'] }, { op: 'Cast', inputs: ['v0'], attrs: { to: 1 } }] }],
  Gather: [
    { opset: 13, input: [4, 3], initializers: { i: i64([2, 0]) }, nodes: [{ op: 'Gather', inputs: ['x', 'i'], attrs: { axis: 1 } }] },
    { opset: 13, input: [4, 3], initializers: { i: { dims: [], data: [-1], type: 7 } }, nodes: [{ op: 'Gather', inputs: ['x', 'i'], attrs: { axis: 2 } }] },
  ],
  Slice: [
    { opset: 13, input: [6, 5], initializers: { s: i64([1, -4]), e: i64([9223372036854775807, 5]), a: i64([1, 2]), t: i64([2, 1]) }, nodes: [{ op: 'Slice', inputs: ['x', 's', 'e', 'a', 't'] }] },
    { opset: 9, input: [6, 5], nodes: [{ op: 'Slice', inputs: ['x'], attrs: { starts: [1], ends: [-1], axes: [2] } }] },
    // Negative steps: reversed (the exporter's reversal of Pad's pads), every other from the end, from clamped starts to INT_MIN and to a negative end.
    { opset: 13, input: [6, 5], initializers: { s: i64([-1, 9223372036854775807]), e: i64([-9223372036854775807, -9223372036854775807]), a: i64([1, 2]), t: i64([-1, -2]) }, nodes: [{ op: 'Slice', inputs: ['x', 's', 'e', 'a', 't'] }] },
    { opset: 13, input: [6, 5], initializers: { s: i64([4, -2]), e: i64([0, -5]), a: i64([1, 2]), t: i64([-3, -1]) }, nodes: [{ op: 'Slice', inputs: ['x', 's', 'e', 'a', 't'] }] },
  ],
  ConstantOfShape: [{ opset: 13, input: [3], nodes: [{ op: 'Shape', inputs: ['x'] }, { op: 'ConstantOfShape', inputs: ['v0'], attrs: { value: { tensor: { dims: [1], data: [0.5] } } } }, { op: 'Add', inputs: ['x', 'v1'] }] }],
  Constant: [
    { opset: 13, input: [3], nodes: [{ op: 'Constant', inputs: [], attrs: { value: { tensor: f([3]) } } }, { op: 'Mul', inputs: ['x', 'v0'] }] },
    { opset: 13, input: [3], nodes: [{ op: 'Constant', inputs: [], attrs: { value_floats: { floats: [1, 2, 3] } } }, { op: 'Add', inputs: ['x', 'v0'] }] },
  ],
  Expand: [{ opset: 13, input: [1, 3], initializers: { s: i64([4, 1]) }, nodes: [{ op: 'Expand', inputs: ['x', 's'] }] }],
  Pad: [
    { opset: 13, input: [2, 3], initializers: { p: i64([0, 1, 0, 0, 0, 2]), v: { dims: [], data: [0.5] } }, nodes: [{ op: 'Pad', inputs: ['x', 'p', 'v'] }] },
    { opset: 9, input: [2, 3], nodes: [{ op: 'Pad', inputs: ['x'], attrs: { pads: [0, 1, 1, 0, 0, 0], value: { float: -1 } } }] },
  ],
  Split: [
    { opset: 13, input: [6], initializers: { s: i64([2, 4]) }, nodes: [{ op: 'Split', inputs: ['x', 's'], outputs: ['a', 'b'], attrs: { axis: 1 } }, { op: 'Concat', inputs: ['b', 'a'], attrs: { axis: 1 } }] },
    { opset: 11, input: [6], nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: 1, split: [2, 4] } }, { op: 'Concat', inputs: ['b', 'a'], attrs: { axis: 1 } }] },
    { opset: 13, input: [6], nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: 1 } }, { op: 'Concat', inputs: ['b', 'a'], attrs: { axis: 1 } }] },
  ],
  Tile: [{ opset: 13, input: [2, 3], initializers: { r: i64([1, 2, 1]) }, nodes: [{ op: 'Tile', inputs: ['x', 'r'] }] }],
  BatchNormalization: [{ opset: 13, input: [3, 2, 2], initializers: { s: f([3]), b: f([3], 2), m: f([3], 3), v: { dims: [3], data: [0.5, 1, 2] } }, nodes: [{ op: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'], attrs: { epsilon: { float: 1e-3 } } }] }],
  LayerNormalization: [{ opset: 17, input: [3, 4], initializers: { s: f([4]), b: f([4], 2) }, nodes: [{ op: 'LayerNormalization', inputs: ['x', 's', 'b'], attrs: { axis: -1 } }] }],
  Softmax: [
    { opset: 13, input: [3, 4], nodes: [{ op: 'Softmax', inputs: ['x'], attrs: { axis: 1 } }] },
    { opset: 11, input: [3, 4], nodes: [{ op: 'Softmax', inputs: ['x'], attrs: { axis: 1 } }] },
  ],
  LogSoftmax: [{ opset: 13, input: [5], nodes: [{ op: 'LogSoftmax', inputs: ['x'] }] }],
  ReduceMean: [{ opset: 13, input: [3, 4], nodes: [{ op: 'ReduceMean', inputs: ['x'], attrs: { axes: [1], keepdims: 0 } }] }],
  ReduceSum: [{ opset: 13, input: [3, 4], initializers: { a: i64([2]) }, nodes: [{ op: 'ReduceSum', inputs: ['x', 'a'] }] }],
  ReduceMax: [{ opset: 13, input: [3, 4], nodes: [{ op: 'ReduceMax', inputs: ['x'], attrs: { axes: [-1] } }] }],
  ReduceMin: [{ opset: 13, input: [3, 4], nodes: [{ op: 'ReduceMin', inputs: ['x'], attrs: { axes: [1, 2], keepdims: 0 } }] }],
};

test('every op of the table has a model here', () => {
  assert.deepEqual(Object.keys(OPS).filter((op) => !OP_MODELS[op] && !Object.values(OP_MODELS).flat().some((m) => m.nodes.some((n) => n.op === op))), []);
});

for (const [op, specs] of Object.entries(OP_MODELS)) {
  test(`${op}: ntk-cli's forward pass equals onnxruntime's (${specs.map((s) => `opset ${s.opset}`).join(', ')})`, async () => {
    for (const spec of specs) {
      const { ours, theirs } = await bothRuntimes(spec);
      assert.equal(ours.length, theirs.length, `opset ${spec.opset}: ${ours.length} values against ${theirs.length}`);
      for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i]! - theirs[i]!) <= 1e-5 * Math.max(1, Math.abs(theirs[i]!)), `opset ${spec.opset}, value ${i}: ${ours[i]} against ${theirs[i]}`);
    }
  });
}

test("PyTorch's exports run as onnxruntime runs them", async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const tf: typeof TF = tfjsWithGradients();
  for (const name of KERNEL_CASES) {
    const file = path.join(ONNX, name, 'model.onnx');
    const x = npy(path.join(ONNX, name, 'inputs.npy'));
    const session = await ort.InferenceSession.create(file);
    const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(x.data), x.shape) });
    const theirs = Float32Array.from(Object.values(result)[0]!.data as ArrayLike<number>, Number);
    const model = parseOnnx(fs.readFileSync(file), file);
    const ours = tf.tidy(() => runGraph(tf, model, tf.tensor(Float32Array.from(x.data), x.shape)).output.dataSync() as Float32Array);
    assert.ok(relativeMaxError(ours, theirs) < 1e-5, `${name}: ${relativeMaxError(ours, theirs)}`);
    assert.ok(relativeMaxError(theirs, fixture(name, 'outputs.npy')) < 1e-5, `${name}: onnxruntime against PyTorch`);
  }
});

test('initializers stored in an external file beside the model are read', async () => {
  const weights = f([3, 4]);
  const external = path.join(dir, 'weights.bin');
  fs.writeFileSync(external, Buffer.from(new Float32Array(weights.data).buffer));
  const graph: onnx.IGraphProto = {
    name: 'external',
    node: [{ opType: 'MatMul', name: 'mm', input: ['x', 'w'], output: ['y'] }],
    initializer: [{ name: 'w', dims: [4, 3], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }, { key: 'length', value: '48' }] }],
    input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 4 }] } } } }],
    output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
  };
  const file = path.join(dir, 'external.onnx');
  fs.writeFileSync(file, onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph }).finish());
  const model = parseOnnx(fs.readFileSync(file), file);
  assert.deepEqual(Array.from(model.initializers.w!.data), Array.from(new Float32Array(weights.data)));
  const read = runCli(['kernel', '--model', file, '--out', path.join(dir, 'e.npy')]);
  assert.equal(read.status, 0, read.stderr);
  fs.rmSync(external);
  const gone = runCli(['kernel', '--model', file, '--out', path.join(dir, 'e2.npy')]);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /--model .*external\.onnx: 'w': its external data .*weights\.bin cannot be read \(ENOENT\)/);
});

test('a weight that two layers of a plain stack share is refused, not read as two untied layers', () => {
  const spec: ModelSpec = {
    opset: 13,
    input: [4],
    initializers: { w: f([4, 4]), b: f([4], 2), v: f([4, 1], 3) },
    nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'] }, { op: 'Relu', inputs: ['v0'] }, { op: 'Gemm', inputs: ['v1', 'w', 'b'] }, { op: 'Tanh', inputs: ['v2'] }, { op: 'MatMul', inputs: ['v3', 'v'] }],
  };
  const file = path.join(dir, 'tied.onnx');
  fs.writeFileSync(file, buildModel(spec));
  const run = runCli(['kernel', '--model', file, '--samples', '5', '--out', path.join(dir, 'tied.npy')]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^ntk-cli: error: --model .*tied\.onnx: parameter 'w' is used by 2 nodes .*: shared parameters are not supported; leave it out of θ with --params\n$/);
  // Left out of θ, the rest is a kernel (the graph path, which shares the weight in its forward pass).
  const rest = runCli(['kernel', '--model', file, '--samples', '5', '--params', '^v$', '--out', path.join(dir, 'tied.npy')]);
  assert.equal(rest.status, 0, rest.stderr);
});

test('--dataset digits enters a model that takes 1×28×28 images, or 784 values', () => {
  for (const input of [[1, 28, 28], [784]]) {
    const conv = input.length === 3;
    const spec: ModelSpec = conv
      ? { opset: 13, input, initializers: { w: f([2, 1, 5, 5]), v: f([2 * 24 * 24, 1]) }, nodes: [{ op: 'Conv', inputs: ['x', 'w'] }, { op: 'Relu', inputs: ['v0'] }, { op: 'Flatten', inputs: ['v1'] }, { op: 'MatMul', inputs: ['v2', 'v'] }] }
      : { opset: 13, input, initializers: { w: f([784, 3]) }, nodes: [{ op: 'MatMul', inputs: ['x', 'w'] }, { op: 'Tanh', inputs: ['v0'] }] };
    const file = path.join(dir, `digits${input.length}.onnx`);
    fs.writeFileSync(file, buildModel(spec));
    const run = runCli(['kernel', '--model', file, '--dataset', 'digits', '--samples', '20', '--out', path.join(dir, 'digits.npy'), '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).model.source, 'onnx');
  }
});
