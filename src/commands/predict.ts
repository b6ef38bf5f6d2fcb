/**
 * `ntk-cli predict --train X --targets Y --test X*`: the predictions of
 * kernel regression with the network's NTK (or, at infinite width, its NTK or
 * NNGP) at any training time, and optionally the trained network beside them
 * (analysis/predict.ts has the formulas).
 */
import { Command, Option } from 'commander';
import { extensionList, formatWithFlag, outputFormat } from '../cli/formats';
import { addOptions, checkModelFlags, MODEL_OPTIONS, RUNTIME_OPTIONS, runConfig, type ModelFlags, type RuntimeFlags } from '../cli/options';
import { checkWritableTarget, writeOutput, writeOutputChunks, writeStdout } from '../cli/outputs';
import { finiteNumber, nonNegativeNumber, wholeNumber } from '../cli/parsers';
import { printReport, type GlobalFlags } from '../cli/report';
import { checkBackendFlag, checkMemory, trainingFailure } from '../cli/runtime';
import { readTargets } from '../cli/matrices';
import { adoptInputShape, checkArchitecture, readSamples, setOutputs } from '../cli/sources';
import { addModelFileOptions, applyModelFile, checkModelFileFlags, type ModelFileFlags } from '../cli/onnxModel';
import { activateBackend, wasmRefusal } from '../tfjs/backend';
import { applyWeights, explicit, readWeights, weightsAfterInputs } from '../cli/weights';
import { InputError, UsageError } from '../errors';
import { halfMeanSquare, KernelRegression, PredictError } from '../analysis/predict';
import { kernelPrecision } from '../analysis/spectrum';
import { matrixChunks, type MatrixFormat } from '../io/kernelFile';
import { encodeNpy } from '../io/npy';
import { openLinalg, type Linalg } from '../linalg';
import { forward } from '../model/forward';
import { outputCount } from '../model/architecture';
import { copyNetwork, inputSizeOf, outputDimOf, type Network } from '../model/network';
import { trainFullBatch } from '../model/train';
import { computeNtk, modelAndInputs, planRun, type RunConfig } from '../pipeline';
import { inputCoordinate } from '../analysis/inputCoordinate';
import { reportNumber, reportNumbers } from '../cli/reportNumbers';
import { renderPredictChart, type ImageFormat as ChartFormat } from '../render';
import { samplesView, type Samples } from '../types';

type PredictFlags = ModelFlags &
  ModelFileFlags &
  RuntimeFlags & {
    train: string;
    targets: string;
    test: string;
    testTargets?: string;
    weights?: string;
    diagReg: number;
    lr: number;
    time: number;
    variance?: string;
    trainNetwork?: boolean;
    steps?: number;
    out: string;
    format?: MatrixFormat;
    chart?: string;
  };

function parseTime(value: string): number {
  if (/^(inf|infinity)$/i.test(value.trim())) return Infinity;
  return nonNegativeNumber(value);
}

function concat(a: Samples, b: Samples): Samples {
  const values = new Float32Array(a.values.length + b.values.length);
  values.set(a.values);
  values.set(b.values, a.values.length);
  return { values, count: a.count + b.count, dim: a.dim };
}

/** Rows [r0, r1) × columns [c0, c1) of a row-major matrix with `cols` columns. */
function block(k: ArrayLike<number>, cols: number, r0: number, r1: number, c0: number, c1: number): Float64Array {
  const out = new Float64Array((r1 - r0) * (c1 - c0));
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[(r - r0) * (c1 - c0) + c - c0] = k[r * cols + c];
  return out;
}

function networkOutputs(model: Network | null, samples: Samples, outputs: number, linalg: Parameters<typeof forward>[2]): Float64Array {
  if (!model) return new Float64Array(samples.count * outputs);
  return Float64Array.from(forward(model, samplesView(samples), linalg).output.data.subarray(0, samples.count * outputs));
}

/** Times for the loss curves: 0 and log-spaced steps up to `last` (or to the time the closed form has converged). */
function curveTimes(last: number): number[] {
  const times = [0];
  for (let k = 0; k <= 60; k++) times.push(10 ** (-1 + (k * (Math.log10(last) + 1)) / 60));
  return times;
}

function rms(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.sqrt(2 * halfMeanSquare(a, b));
}

type Prediction = ReturnType<KernelRegression['predict']>;

interface PredictPlan {
  /** The time predicted: --time, or --steps with --train-network. */
  time: number;
  toStdout: boolean;
  format: MatrixFormat;
  chartFormat: ChartFormat | null;
}

/** Every usage error before any file is read or any work done. */
function checkPredictFlags(flags: PredictFlags, cmd: Command, json: boolean | undefined): PredictPlan {
  const infinite = flags.width.kind === 'infinite';
  checkModelFileFlags(flags, (key) => explicit(cmd, key));
  checkModelFlags(flags, (key) => explicit(cmd, key), flags.weights !== undefined);
  if (flags.trace === 'sum' && flags.outputDim > 1) throw new UsageError(TRACE_SUM);
  if (flags.variance !== undefined && flags.kernel !== 'nngp') throw new UsageError('--variance is the NNGP posterior variance: it goes with --kernel nngp');
  if (flags.variance !== undefined && flags.time !== Infinity) throw new UsageError('--variance is the posterior at t = inf: leave --time out');
  if (flags.trainNetwork && infinite) throw new UsageError('--train-network trains a finite network; --width inf has none');
  if (flags.trainNetwork && flags.steps === undefined) throw new UsageError('--train-network needs --steps (the number of gradient-descent steps)');
  if (flags.steps !== undefined && !flags.trainNetwork) throw new UsageError('--steps goes with --train-network');
  if (flags.trainNetwork && explicit(cmd, 'time') && flags.time !== flags.steps) throw new UsageError(`--time ${flags.time} contradicts --steps ${flags.steps}: the network is compared at t = steps`);
  const toStdout = flags.out === '-';
  const format = formatWithFlag('matrix', '--out', flags.out, flags.format) as MatrixFormat;
  if (toStdout && json) throw new UsageError('--json and --out - both write to stdout; choose one');
  if (!toStdout) checkWritableTarget('--out', flags.out);
  if (flags.variance !== undefined) {
    outputFormat('npy', '--variance', flags.variance, false);
    checkWritableTarget('--variance', flags.variance);
  }
  const chartFormat = flags.chart === undefined ? null : (outputFormat('chart', '--chart', flags.chart, false) as ChartFormat);
  if (flags.chart !== undefined) checkWritableTarget('--chart', flags.chart);
  return { time: flags.trainNetwork ? flags.steps! : flags.time, toStdout, format, chartFormat };
}

const TRACE_SUM = "--trace sum adds the outputs' kernels: predictions need mean (each output's kernel) or none";

interface PredictData {
  train: Samples;
  test: Samples;
  targets: { values: Float64Array; cols: number };
  testTargets: { values: Float64Array; cols: number } | null;
  /** The run over training and test inputs together. */
  config: RunConfig;
  outputs: number;
  model: Network | null;
}

/** Inputs, targets and the network, checked against each other. */
function readPredictData(flags: PredictFlags, cmd: Command): PredictData {
  const stdin = ([['--train', flags.train], ['--targets', flags.targets], ['--test', flags.test], ['--test-targets', flags.testTargets]] as const).filter(([, file]) => file === '-');
  if (stdin.length > 1) throw new UsageError(`${stdin.map(([flag]) => `${flag} -`).join(' and ')}: only one input can read stdin`);
  const train = readSamples('--train', flags.train, flags.model !== undefined);
  const test = readSamples('--test', flags.test, flags.model !== undefined);
  if (test.dim !== train.dim) throw new UsageError(`--test ${flags.test}: rows have ${test.dim} values, --train has ${train.dim}`);
  const targets = readTargets('--targets', flags.targets, train.count);
  const testTargets = flags.testTargets === undefined ? null : readTargets('--test-targets', flags.testTargets, test.count);
  const config = runConfig(flags);
  const infinite = flags.width.kind === 'infinite';
  if (flags.weights !== undefined && infinite) throw new UsageError('--width inf contradicts --weights (a network of finite width)');
  // An MLP state dict gives the sizes; an --arch network takes its input shape from --train first.
  const weights = flags.weights !== undefined ? readWeights(flags.weights) : null;
  const weightsLater = weights !== null && weightsAfterInputs(weights, flags);
  if (weights && !weightsLater) applyWeights(config, flags, cmd, weights);
  if (flags.model !== undefined) applyModelFile(config, flags);
  if (config.model && inputSizeOf(config.model) !== train.dim) {
    throw new UsageError(`--train ${flags.train}: rows have ${train.dim} values, the network takes ${inputSizeOf(config.model)} inputs`);
  }
  if (explicit(cmd, 'inputDim') && flags.inputDim !== train.dim) throw new UsageError(`--input-dim ${flags.inputDim} contradicts --train ${flags.train} (${train.dim} values per row)`);
  const fixed = config.model !== undefined || explicit(cmd, 'inputDim') || explicit(cmd, 'inputShape');
  adoptInputShape(config, train.dim, train.sampleShape, `--train ${flags.train}`, fixed);
  if (weights && weightsLater) applyWeights(config, flags, cmd, weights);
  if (flags.arch) checkArchitecture(config);
  // The outputs come from the targets unless the network, --arch or --output-dim fixes them.
  const outputs = config.model ? outputDimOf(config.model) : flags.arch ? outputCount(config.network.architecture) : explicit(cmd, 'outputDim') ? flags.outputDim : targets.cols;
  if (targets.cols !== outputs) throw new UsageError(`--targets ${flags.targets}: ${targets.cols} columns for a network of ${outputs} outputs`);
  if (testTargets && testTargets.cols !== outputs) throw new UsageError(`--test-targets ${flags.testTargets}: ${testTargets.cols} columns for ${outputs} outputs`);
  if (flags.trace === 'sum' && outputs > 1) throw new UsageError(TRACE_SUM);
  if (!flags.arch) setOutputs(config, outputs);
  const all = concat(train, test);
  config.inputs = all;
  config.samples = all.count;
  const model = infinite ? null : modelAndInputs(config).model;
  if (model) config.model = model;
  return { train, test, targets, testTargets, config, outputs, model };
}

/** One kernel over training and test inputs together, and the regression on its blocks. */
async function solvePrediction(flags: PredictFlags, data: PredictData, linalg: Linalg): Promise<KernelRegression> {
  const { train, test, targets, testTargets, config, outputs, model } = data;
  const rowsPer = flags.trace === 'none' ? outputs : 1;
  const n = train.count * rowsPer;
  const total = (train.count + test.count) * rowsPer;
  const run = await planRun(config);
  const estimate = run.memory(true);
  estimate.parts.solve = n * n * 8 * 3 + test.count * rowsPer * n * 8;
  estimate.total += estimate.parts.solve;
  checkMemory(estimate, flags.maxMemory, 'fewer training points, ');
  const result = await computeNtk(config, null, run);
  const k = result.kernel!;
  try {
    return new KernelRegression({
      kTrain: block(k, total, 0, n, 0, n),
      kTestTrain: block(k, total, n, total, 0, n),
      // The posterior variance is the NNGP's (a Gaussian process's); the NTK's Θ** − Θ*·Θ⁻¹·Θ*ᵀ is not a variance of anything drawn.
      kTestDiagonal: flags.kernel === 'nngp' ? Float64Array.from({ length: total - n }, (_, p) => k[(n + p) * total + n + p]) : undefined,
      rows: n,
      testRows: total - n,
      targets: targets.values,
      f0Train: networkOutputs(model, train, outputs, linalg),
      f0Test: networkOutputs(model, test, outputs, linalg),
      testTargets: testTargets?.values,
      cols: flags.trace === 'none' ? 1 : outputs,
      learningRate: flags.lr,
      diagReg: flags.diagReg,
      precision: kernelPrecision(result),
      // Beside a trained network, the linearised network trained by the same steps.
      steps: flags.trainNetwork === true,
    });
  } catch (error) {
    if (error instanceof PredictError) throw new InputError(error.message);
    throw error;
  }
}

interface TrainedNetwork {
  /** RMS distance of the trained network's test outputs from the prediction. */
  rmse: number;
  /** Its outputs on the test points, testRows × outputs. */
  testOutputs: Float64Array;
  times: number[];
  train: number[];
  test: number[] | null;
}

/** Train a copy of the network for --steps and compare it with the prediction at t = steps. */
function trainBeside(flags: PredictFlags, data: PredictData, predicted: ArrayLike<number>, linalg: Linalg): TrainedNetwork {
  const { train, test, targets, testTargets, outputs } = data;
  const model = data.model!;
  const trained = copyNetwork(model);
  const record = new Set(curveTimes(flags.steps!).map((t) => Math.round(t)));
  const testLosses: number[] = [];
  const times: number[] = [];
  const observe = (step: number, current: Network) => {
    if (!record.has(step) && step !== flags.steps) return;
    times.push(step);
    if (testTargets) testLosses.push(halfMeanSquare(networkOutputs(current, test, outputs, linalg), testTargets.values));
  };
  let trainLosses: number[];
  try {
    trainLosses = trainFullBatch(trained, train, { data: Float32Array.from(targets.values), rows: train.count, cols: outputs }, flags.steps!, flags.lr, linalg, observe);
  } catch (error) {
    throw trainingFailure(error, '--lr', flags.lr);
  }
  const testOutputs = networkOutputs(trained, test, outputs, linalg);
  return { rmse: rms(testOutputs, predicted), testOutputs, times, train: times.map((t) => trainLosses[t]), test: testTargets ? testLosses : null };
}

interface LossCurve {
  times: number[];
  train: number[];
  test: number[] | null;
}

/** The closed form's losses against time, for the chart and the report. */
function lossCurve(flags: PredictFlags, data: PredictData, regression: KernelRegression, time: number): LossCurve {
  const cols = flags.trace === 'none' ? 1 : data.outputs;
  const n = data.train.count * (flags.trace === 'none' ? data.outputs : 1);
  // At t = ∞ the curves run until the slowest direction has settled (20 time constants of λ_min).
  // t = 0 predicts f₀; its chart still shows the training ahead, as t = ∞ does.
  const last = time === Infinity || time === 0 ? (flags.diagReg > 0 ? 1e6 : (20 * n * cols) / (flags.lr * Math.max(regression.lambdaMin, regression.lambdaMax * 1e-6))) : time;
  // Beside a trained network, whole steps.
  const times = flags.trainNetwork ? [...new Set(curveTimes(last).map(Math.round))] : curveTimes(last);
  const curves = times.map((t) => regression.predict(t));
  return { times, train: curves.map((p) => p.trainLoss), test: data.testTargets ? curves.map((p) => p.testLoss!) : null };
}

/** The predictions and losses against time, as a chart. */
function predictChart(flags: PredictFlags, data: PredictData, prediction: Prediction, plan: PredictPlan, curve: LossCurve, network: TrainedNetwork | null): Buffer {
  const { train, test, targets, testTargets, outputs } = data;
  const firstColumn = (values: ArrayLike<number>, c: number) => Array.from({ length: values.length / c }, (_, i) => values[i * c]);
  const { width } = data.config.network;
  return renderPredictChart(
    {
      // With several outputs the chart shows the first (the numbers hold them all).
      title: `${flags.kernel.toUpperCase()} ${width.kind === 'infinite' ? 'at infinite width' : `of a width-${width.units} network`}, t = ${plan.time === Infinity ? '∞' : plan.time}${outputs > 1 ? `, output 1 of ${outputs}` : ''}`,
      along: inputCoordinate(test, train),
      predicted: firstColumn(prediction.test, outputs),
      networkTest: network ? firstColumn(network.testOutputs, outputs) : null,
      testTargets: testTargets ? firstColumn(testTargets.values, outputs) : null,
      trainTargets: firstColumn(targets.values, outputs),
      // One variance per test point, or with --trace none one per point and output, as the predictions.
      std: prediction.variance ? Array.from(prediction.variance.length === test.count ? prediction.variance : firstColumn(prediction.variance, outputs), Math.sqrt) : null,
      curves: curve,
      network,
    },
    plan.chartFormat!,
  );
}

export function predictCommand(): Command {
  const command = new Command('predict');
  addModelFileOptions(addOptions(addOptions(command, MODEL_OPTIONS.filter((o) => o !== 'samples'), { trace: { default: 'mean', description: "several outputs: mean (each output's kernel; neural-tangents' default) or none (the whole kernel over outputs)" } }), RUNTIME_OPTIONS))
    .requiredOption('--train <file>', 'training inputs X, n × d (.npy or .csv)')
    .requiredOption('--targets <file>', 'training targets Y, n × outputs (.npy or .csv)')
    .requiredOption('--test <file>', 'test inputs X*, one row per point')
    .option('--test-targets <file>', 'test targets, for the test loss')
    .option('--weights <file>', 'the network: a PyTorch state_dict as .safetensors (default: drawn from --seed)')
    .addOption(new Option('--diag-reg <r>', 'add r·mean(diag K)·I to the training kernel').default(0).argParser(nonNegativeNumber))
    .addOption(new Option('--lr <η>', 'learning rate').default(1).argParser(finiteNumber(0)))
    .addOption(new Option('--time <t>', "steps of gradient descent (continuous), or 'inf'").default(Infinity, 'inf').argParser(parseTime))
    .option('--variance <file>', "with --kernel nngp: write the posterior variance at each test point (.npy)")
    .option('--train-network', 'also train the finite network by gradient descent and compare it with the prediction (then of the same discrete steps, (I − ηΘ/m)^T)')
    .addOption(new Option('--steps <n>', 'with --train-network: steps of gradient descent (and the time compared)').argParser(wholeNumber(1, 1_000_000)))
    .option('-o, --out <file>', `test predictions, n_test × outputs: ${extensionList('matrix')}; '-' writes CSV to stdout`, 'predictions.npy')
    .addOption(new Option('--format <format>', 'format for --out - or a device or pipe (default csv)').choices(['npy', 'csv', 'json']))
    .option('--chart <file>', `predictions and losses against time: ${extensionList('chart')}`)
    .action(async (flags: PredictFlags, cmd: Command) => {
      const started = process.hrtime.bigint();
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const plan = checkPredictFlags(flags, cmd, globals.json);
      checkBackendFlag(flags, explicit(cmd, 'backend'), Boolean(globals.quiet));
      const data = readPredictData(flags, cmd);
      const { linalg } = await openLinalg(flags.linalg, flags.threads, flags.backend);
      const regression = await solvePrediction(flags, data, linalg);
      const prediction = regression.predict(plan.time);
      // Training an ONNX graph differentiates its weights on TensorFlow.js: off its wasm backend where it cannot.
      if (flags.trainNetwork && data.model?.layers.some((l) => l.kind === 'graph')) await activateBackend(flags.backend === 'webgpu' ? 'auto' : flags.backend, wasmRefusal(data.model.layers, true));
      const network = flags.trainNetwork && data.model ? trainBeside(flags, data, prediction.test, linalg) : null;

      const predictions = matrixChunks(prediction.test, data.test.count, data.outputs, plan.format);
      if (plan.toStdout) await writeStdout(predictions);
      else await writeOutputChunks('--out', flags.out, predictions);
      const written: Record<string, string> = { predictions: flags.out };
      if (flags.variance !== undefined && prediction.variance) {
        // One per test point, or with --trace none a row per point with one per output, as the predictions.
        const columns = prediction.variance.length / data.test.count;
        writeOutput('--variance', flags.variance, encodeNpy(prediction.variance, columns === 1 ? [data.test.count] : [data.test.count, columns], 'float64'));
        written.variance = flags.variance;
      }
      const curve = flags.chart === undefined ? null : lossCurve(flags, data, regression, plan.time);
      if (flags.chart !== undefined) {
        writeOutput('--chart', flags.chart, predictChart(flags, data, prediction, plan, curve!, network));
        written.chart = flags.chart;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const report = predictReport(flags, data, regression, prediction, plan, network, seconds, written, curve);
      await printReport(report, describePrediction(flags, data, regression, prediction, plan, network), globals, plan.toStdout);
    });
  return command;
}

const round = (v: number | null) => reportNumber(v, 10);

function predictReport(
  flags: PredictFlags,
  data: PredictData,
  regression: KernelRegression,
  prediction: Prediction,
  plan: PredictPlan,
  network: TrainedNetwork | null,
  seconds: number,
  outputs: Record<string, string>,
  curve: LossCurve | null,
) {
  const { width } = data.config.network;
  return {
    time: plan.time === Infinity ? 'inf' : plan.time,
    lr: flags.lr,
    diag_reg: flags.diagReg,
    kernel: flags.kernel,
    width: width.kind === 'infinite' ? 'inf' : width.units,
    trace: flags.trace,
    train_samples: data.train.count,
    test_samples: data.test.count,
    output_dim: data.outputs,
    train_loss: round(prediction.trainLoss),
    test_loss: round(prediction.testLoss),
    max_learning_rate: round(regression.maxLearningRate),
    lambda_min: round(regression.lambdaMin),
    lambda_max: round(regression.lambdaMax),
    numerical_rank: regression.numericalRank,
    ...(network ? { network_rmse: round(network.rmse) } : {}),
    ...(curve ? { loss_curve: { times: reportNumbers(curve.times, 10), train: reportNumbers(curve.train, 10), test: curve.test ? reportNumbers(curve.test, 10) : null } } : {}),
    seconds: { total: round(seconds) },
    outputs,
  };
}

function describePrediction(flags: PredictFlags, data: PredictData, regression: KernelRegression, prediction: Prediction, plan: PredictPlan, network: TrainedNetwork | null): string {
  const losses = `train loss ${prediction.trainLoss.toPrecision(4)}${prediction.testLoss === null ? '' : `, test loss ${prediction.testLoss.toPrecision(4)}`}`;
  const rate = flags.lr > regression.maxLearningRate ? ` (--lr ${flags.lr} is above the stable ${regression.maxLearningRate.toPrecision(3)})` : '';
  const trainedNote = network ? `; trained network ${network.rmse.toPrecision(3)} RMSE from the prediction` : '';
  const rows = regression.values.length;
  const rankNote =
    regression.numericalRank < rows && flags.diagReg === 0 ? `; the kernel's numerical rank is ${regression.numericalRank} of ${rows} (training does not move along the other directions)` : '';
  const at = plan.time === Infinity ? '∞' : plan.time;
  const where = plan.toStdout ? `${plan.format} to stdout` : flags.out;
  return `${flags.kernel.toUpperCase()} prediction at t = ${at} for ${data.test.count} test points from ${data.train.count} training points: ${losses}${rate}${rankNote}${trainedNote}; wrote ${where}`;
}
