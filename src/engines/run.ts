/**
 * A run's network and inputs, and the checks every engine relies on: the
 * network drawn in the seed's order (manual_seed, network, randn) or read,
 * the inputs drawn or read, the kernel's shape, what the core refuses, and
 * what a finished kernel must be (finite, and within float32's range).
 */
import { activation, UnknownActivationError } from '../activations';
import { sphere } from '../data/generated';
import { rowsPerSample } from '../kernel/trace';
import { LayerShapeError } from '../layers';
import { inputCount, outputCount, outputShapeOf, resolveLayers } from '../model/architecture';
import { buildNetwork, inputSizeOf, outputDimOf } from '../model/network';
import { TorchGenerator } from '../model/torchRandom';
import type { KernelSink, Samples } from '../types';
import { RunConfigError, type NtkResult, type RunConfig, type RunInputs } from './types';

/** The network and inputs of a finite run: read from files, or drawn in the seed's order (manual_seed, network, randn). */
export function modelAndInputs(config: RunConfig): { model: NonNullable<RunInputs['model']>; inputs: Samples } {
  const { network } = config;
  if (network.width.kind !== 'finite' && !config.model) throw new RunConfigError('an infinite-width network has no parameters to draw');
  const generator = new TorchGenerator(config.seed);
  const options = { parameterization: network.parameterization, sigmaW: network.sigmaW, sigmaB: network.sigmaB };
  const units = network.width.kind === 'finite' ? network.width.units : 0;
  const model = config.model ?? buildNetwork(resolveLayers(network.architecture, units), network.architecture.input, options, generator);
  const inputs = config.inputs ?? drawnInputs(config, generator, inputSizeOf(model));
  return { model, inputs };
}

/** `torch.randn(samples, dim)` from the generator's state, on the unit sphere when asked. */
function drawnInputs(config: RunConfig, generator: TorchGenerator, dim: number): Samples {
  const values = generator.randn(config.samples * dim);
  return config.normalizeInputs ? sphere(values, config.samples, dim) : { values, count: config.samples, dim };
}

/** The inputs X of a run, finite width or not (the analytic kernel has no network to draw first). */
export function runInputs(config: RunConfig): Samples {
  if (config.network.width.kind === 'finite') return modelAndInputs(config).inputs;
  return config.inputs ?? drawnInputs(config, new TorchGenerator(config.seed), inputDimOf(config));
}

/** The number of values per sample the run's network takes. */
export function inputDimOf(config: RunConfig): number {
  return config.model ? inputSizeOf(config.model) : inputCount(config.network.architecture);
}

/** The kernel a run computes: `rows` × `cols` cells, `perSample` rows per sample (each of the network's `outputs` with trace 'none'), from the factors of `samples` samples (both sets of inputs). */
export interface KernelShape {
  rows: number;
  cols: number;
  perSample: number;
  samples: number;
  outputs: number;
}

export function kernelShape(config: RunConfig): KernelShape {
  const outputs = config.model ? outputDimOf(config.model) : outputCount(config.network.architecture);
  const perSample = rowsPerSample(config.trace, outputs);
  const first = config.inputs?.count ?? config.samples;
  const second = config.inputs2?.count ?? null;
  return { rows: first * perSample, cols: (second ?? first) * perSample, perSample, samples: first + (second ?? 0), outputs };
}

/** Refuse what the core cannot compute, with the reason (the CLI checks flags earlier, naming them). */
export function checkRunConfig(config: RunConfig): void {
  const { network } = config;
  try {
    for (const entry of network.architecture.layers) if (entry.kind === 'activation') activation(entry.name);
    outputShapeOf(network.architecture);
  } catch (error) {
    if (error instanceof LayerShapeError || error instanceof UnknownActivationError) throw new RunConfigError((error as Error).message);
    throw error;
  }
  if (network.width.kind === 'infinite') {
    if (network.parameterization !== 'ntk') throw new RunConfigError('the infinite-width kernel needs the ntk parameterization');
  } else if (config.kernel !== 'ntk') throw new RunConfigError('the NNGP kernel is computed at infinite width only');
  const dim = inputDimOf(config);
  for (const [name, samples] of [['inputs', config.inputs], ['second inputs', config.inputs2]] as const) {
    if (samples && samples.dim !== dim) throw new RunConfigError(`${name} have ${samples.dim} values per row, the network takes ${dim}`);
    if (samples && samples.values.length !== samples.count * samples.dim) throw new RunConfigError(`${name}: ${samples.values.length} values are not ${samples.count} rows of ${samples.dim}`);
  }
}

/** Write a whole in-memory kernel to a sink, in float32, a few MB at a time. */
export function drain(sink: KernelSink, kernel: Float32Array | Float64Array, rows: number, cols: number): void {
  const chunkRows = Math.max(1, Math.floor((1 << 22) / cols));
  for (let r = 0; r < rows; r += chunkRows) {
    const end = Math.min(rows, r + chunkRows);
    const rowsOfKernel = kernel.subarray(r * cols, end * cols);
    sink.writeBlock(r, 0, { data: rowsOfKernel instanceof Float32Array ? rowsOfKernel : Float32Array.from(rowsOfKernel), rows: end - r, cols }, false);
  }
}

function largestMagnitude(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** The largest finite float32, 3.4e38. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The kernels run in float32, whose range ends at 3.4e38: inputs or weights
 * large enough to overflow it make Inf or NaN entries. The infinite-width
 * kernel runs in float64 but is written and drawn in float32, so values beyond
 * that range (σ_w large enough to grow it geometrically with depth) are refused
 * too. Say so instead of drawing or writing them.
 */
export function checkFinite(result: NtkResult): void {
  const bad = result.stats.nonFinite;
  if (bad === 0 && result.model === null) {
    const largest = Math.max(Math.abs(result.stats.min), Math.abs(result.stats.max));
    if (largest > FLOAT32_MAX) {
      throw new RunConfigError(`the infinite-width kernel reaches ${largest.toPrecision(3)}, beyond float32's range (3.4e38): each layer multiplies it by about σ_w²; lower --sigma-w or --depth, or scale the inputs down`);
    }
  }
  if (bad === 0) return;
  const largest = largestMagnitude(result.inputs.values);
  // A finite network computes in float32; the infinite-width recursions in float64.
  const overflowed = result.model === null ? 'the infinite-width recursion overflowed' : 'float32 overflowed';
  throw new RunConfigError(`the kernel has ${bad} non-finite entries: ${overflowed} (largest |input| ${largest.toPrecision(3)}); scale the inputs or weights down`);
}
