/**
 * Where a run's network and inputs come from: drawn from the seed (the
 * default), or read with --weights (a PyTorch state_dict as safetensors) and
 * --inputs / --inputs2 (.npy or .csv; '-' for CSV on stdin). Dimensions come
 * from the files; a flag given on the command line that contradicts a file is
 * a usage error. --save-model and --save-inputs write what a run used.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../errors';
import { encodeNpy } from '../io/npy';
import type { NtkResult, RunConfig } from '../pipeline';
import type { Samples } from '../types';
import { outputFormat } from './formats';
import { readFlagMatrix } from './matrices';
import { checkModelFlags, runConfig, type ModelFlags, type RuntimeFlags } from './options';
import { checkWritableTarget, writeOutput } from './outputs';
import { datasetSamples, DATASETS, generatedSamples, labelsFile } from './inputs';
import { addModelFileOptions, applyModelFile, checkModelFileFlags, type ModelFileFlags } from './onnxModel';
import { applyWeights, explicit, readWeights, saveModel, weightsAfterInputs } from './weights';
import { IMAGE_SHAPES, type DatasetName } from '../data/datasets';
import { LayerShapeError } from '../layers';
import { outputShapeOf, type Architecture } from '../model/architecture';
import { formatArchSpec } from '../model/archSpec';
import { sizeOf } from '../model/network';

export interface SourceFlags extends ModelFileFlags {
  weights?: string;
  inputs?: string;
  inputs2?: string;
  dataset?: DatasetName;
  labels?: string;
  saveModel?: string;
  saveInputs?: string;
}

export function addSourceOptions(command: Command): Command {
  return addModelFileOptions(command)
    .option('--weights <file>', 'a PyTorch state_dict saved as .safetensors (F32, F64, F16, BF16): nn.Linear layers, or with --arch its nn.Conv2d and nn.Linear layers in order')
    .option('--inputs <file>', "inputs X, an n×d matrix (.npy or .csv; '-' reads CSV from stdin; images as .npy n×C×H×W), or circle:N (N points on the unit circle) or sphere:N (N uniform on the unit sphere of R^d)")
    .option('--inputs2 <file>', 'second inputs Y: compute the cross-kernel Θ(X, Y) (a file, or circle:N)')
    .addOption(new Option('--dataset <name>', 'inputs and labels from a dataset shipped with ntk-cli, features standardised per column (mean 0, sd 1): iris (150×4), penguins (342×4), digits (MNIST, 784 pixels, 1×28×28 images for an --arch that starts with a convolution; a stratified --samples of its 10,000, default 1000)').choices(DATASETS))
    .option('--labels <file>', 'one class per input (.npy of numbers, or text with one label per line): sorts the heatmap by class and reports kernel–target alignment')
    .option('--save-model <file>', 'write the network used as .safetensors (keys lin1.weight, lin1.bias, …; conv1.weight, … with --arch, whose spec goes in its metadata)')
    .option('--save-inputs <file>', 'write the inputs used as .npy (float32, n×d; images n×C×H×W)');
}

/** Rows of a matrix file (or of a .npy of images, with their shape; of samples of any shape for an ONNX model, `anyShape`). */
export function readSamples(flag: string, file: string, anyShape = false): Samples & { sampleShape?: number[] } {
  const matrix = readFlagMatrix(flag, file, { images: anyShape ? 'any' : true, float32: true });
  return { values: Float32Array.from(matrix.values), count: matrix.rows, dim: matrix.cols, sampleShape: matrix.sampleShape };
}

/** Whether the run's network starts with a layer that takes an image (a convolution, pooling, gap, flatten). */
function takesImages(config: RunConfig): boolean {
  const first = config.network.architecture.layers.find((entry) => entry.kind !== 'activation');
  return first !== undefined && first.kind !== 'dense';
}

const shapeText = (shape: readonly number[]) => (shape.length === 1 ? `${shape[0]} inputs` : `${shape.join('×')} images`);

/**
 * Inputs of `dim` values each (images of `shape` where the source says): the
 * network's input shape where nothing fixed it yet, else checked against it.
 */
export function adoptInputShape(config: RunConfig, dim: number, shape: number[] | undefined, source: string, fixed: boolean): void {
  const current = config.network.architecture.input;
  if (fixed) {
    if (sizeOf(current) !== dim) throw new UsageError(`${source}: rows have ${dim} values, the network takes ${shapeText(current)}`);
    if (shape && current.length === shape.length && shape.some((s, i) => s !== current[i])) throw new UsageError(`${source}: images of ${shape.join('×')}, the network takes ${shapeText(current)}`);
    return;
  }
  const input = shape && takesImages(config) ? shape : [dim];
  config.network = { ...config.network, architecture: { ...config.network.architecture, input } };
}

function checkSaveTarget(flag: string, file: string | undefined, kind: 'model' | 'samples'): void {
  if (file === undefined) return;
  outputFormat(kind, flag, file, false);
  checkWritableTarget(flag, file);
}

export interface ResolvedSources {
  config: RunConfig;
  /** One class per sample of X, from --labels or --dataset; null without. */
  labels: string[] | null;
  dataset: DatasetName | null;
}



/** `outputs` outputs: the MLP's last layer gives them (a network read from a file already does). */
export function setOutputs(config: RunConfig, outputs: number): void {
  const layers = [...config.network.architecture.layers];
  const last = layers.length - 1;
  if (layers[last].kind === 'dense') layers[last] = { kind: 'dense', units: outputs };
  config.network = { ...config.network, architecture: { ...config.network.architecture, layers } };
}

/** Read and check every input file, and turn the flags into a RunConfig (with the inputs' labels, if any). */
export function resolveSources(flags: ModelFlags & RuntimeFlags & SourceFlags, command: Command): ResolvedSources {
  checkModelFileFlags(flags, (key) => explicit(command, key));
  checkModelFlags(flags, (key) => explicit(command, key), flags.weights !== undefined);
  if (flags.inputs === '-' && flags.inputs2 === '-') throw new UsageError('--inputs - and --inputs2 - cannot both read stdin');
  checkSaveTarget('--save-model', flags.saveModel, 'model');
  const infinite = flags.width.kind === 'infinite';
  if (infinite && flags.saveModel !== undefined) throw new UsageError('--save-model: an infinite-width network has no weights to save');
  if (infinite && flags.weights !== undefined) throw new UsageError('--width inf contradicts --weights (a network of finite width)');
  checkSaveTarget('--save-inputs', flags.saveInputs, 'samples');
  const config = runConfig(flags);

  // A network of the MLP shorthand takes its sizes from the file; an --arch network its input shape from the inputs, read first.
  const weights = flags.weights !== undefined ? readWeights(flags.weights) : null;
  const weightsLater = weights !== null && weightsAfterInputs(weights, flags);
  if (weights && !weightsLater) applyWeights(config, flags, command, weights);
  if (flags.model !== undefined) applyModelFile(config, flags);
  if (flags.dataset !== undefined && flags.inputs !== undefined) throw new UsageError(`--dataset ${flags.dataset} gives the inputs; --inputs contradicts it`);
  if (flags.dataset !== undefined && flags.labels !== undefined) throw new UsageError(`--dataset ${flags.dataset} brings its own labels; --labels contradicts it`);
  let labels: string[] | null = null;

  for (const [flag, key] of [['--inputs', 'inputs'], ['--inputs2', 'inputs2']] as const) {
    const file = key === 'inputs' && flags.dataset !== undefined ? `--dataset ${flags.dataset}` : flags[key];
    if (file === undefined) continue;
    const generated = key === 'inputs' && flags.dataset !== undefined ? null : generatedSamples(flag, file, config);
    if (generated === 'sphere') {
      // Drawn where the seed's inputs are drawn (pipeline.ts), then put on the sphere.
      const count = Number(file.split(':')[1]);
      if (explicit(command, 'samples') && flags.samples !== count) throw new UsageError(`--samples ${flags.samples} contradicts --inputs ${file}`);
      config.samples = count;
      config.normalizeInputs = true;
      continue;
    }
    let samples: Samples;
    let sampleShape: number[] | undefined;
    if (key === 'inputs' && flags.dataset !== undefined) {
      const data = datasetSamples(flags.dataset, flags, command);
      labels = data.labels;
      samples = { values: data.values, count: data.count, dim: data.dim };
      sampleShape = IMAGE_SHAPES[flags.dataset] ?? undefined;
    } else if (generated) samples = generated;
    else ({ sampleShape, ...samples } = readSamples(flag, file, flags.model !== undefined));
    // The input shape is fixed by the weights, an explicit --input-dim or --input-shape, or --inputs read before --inputs2.
    const fixed = config.model !== undefined || explicit(command, 'inputDim') || explicit(command, 'inputShape') || (key === 'inputs2' && config.inputs !== undefined);
    adoptInputShape(config, samples.dim, sampleShape, `${flag} ${file}`, fixed);
    config[key] = samples;
    if (key === 'inputs' && flags.dataset !== undefined) config.inputsSource = 'dataset';
    else if (key === 'inputs' && generated) config.inputsSource = 'circle';
  }
  if (config.inputs) {
    if (flags.dataset === undefined && explicit(command, 'samples') && flags.samples !== config.inputs.count) {
      throw new UsageError(`--samples ${flags.samples} contradicts --inputs ${flags.inputs} (${config.inputs.count} rows)`);
    }
    config.samples = config.inputs.count;
  }
  if (weights && weightsLater) applyWeights(config, flags, command, weights);
  if (flags.labels !== undefined) labels = labelsFile(flags.labels, config.samples);
  if (flags.arch) checkArchitecture(config);
  return { config, labels, dataset: flags.dataset ?? null };
}

/** An --arch network that fits its input shape, or a usage error naming the layer that does not. */
export function checkArchitecture(config: RunConfig): void {
  checkArchitectureShape(config.network.architecture);
}

/** Every layer fits its input shape, or a one-line error naming --arch. */
export function checkArchitectureShape(architecture: Architecture): void {
  try {
    outputShapeOf(architecture);
  } catch (error) {
    if (error instanceof LayerShapeError) throw new UsageError(`--arch ${formatArchSpec(architecture.layers)}: ${error.message}`);
    throw error;
  }
}

/** Write --save-model and --save-inputs after a successful run. */
export function saveSources(flags: SourceFlags, config: RunConfig, result: NtkResult, inputs: Samples = result.inputs): Record<string, string> {
  const written: Record<string, string> = {};
  if (flags.saveModel !== undefined && result.model) {
    saveModel('--save-model', flags.saveModel, result.model, config.network);
    written.model = flags.saveModel;
  }
  if (flags.saveInputs !== undefined) {
    // Images as PyTorch holds them, (n, C, H, W); vectors n × d.
    const { input } = config.network.architecture;
    const shape = input.length > 1 && sizeOf(input) === inputs.dim ? [inputs.count, ...input] : [inputs.count, inputs.dim];
    writeOutput('--save-inputs', flags.saveInputs, encodeNpy(inputs.values, shape));
    written.inputs = flags.saveInputs;
  }
  return written;
}
