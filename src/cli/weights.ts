/**
 * `--weights model.safetensors`: a network read from a PyTorch state_dict,
 * and `--save-model`, which writes one. A file ntk-cli wrote carries, in its
 * metadata, everything needed to rebuild the same network (activation,
 * parameterization, σ_w and σ_b); for a file without it, the flags say what
 * the tensors cannot (the activation must be given). A flag typed on the
 * command line that contradicts the file is a usage error.
 */
import fs = require('node:fs');
import type { Command } from 'commander';
import { ACTIVATION_NAMES, isActivation } from '../activations';
import { InputError, readFailure, UsageError } from '../errors';
import { recognisedKind } from '../io/fileKind';
import { encodeSafetensors, parseSafetensors, SafetensorsFormatError } from '../io/safetensors';
import { LayerShapeError, type InitOptions, type LayerSpec, type Shape } from '../layers';
import { finiteWidth, mlpOf, resolveLayers, type ArchitectureEntry } from '../model/architecture';
import { ArchSpecError, formatArchSpec, parseArchSpec, parseShape } from '../model/archSpec';
import { layerSizesOf, PARAMETERIZATIONS } from '../model/mlp';
import type { Network } from '../model/network';
import { groups, mlpSpecsFromStateDict, networkFromStateDict, StateDictError, stateDictFromNetwork, type NamedTensor } from '../model/stateDict';
import type { NetworkSpec, RunConfig } from '../pipeline';
import type { ModelFlags } from './options';
import { finiteNumber, nonNegativeNumber } from './parsers';
import { noteInput, writeOutput } from './outputs';

/** Was this option typed on the command line (not left at its default)? */
export function explicit(command: Command, key: string): boolean {
  return command.getOptionValueSource(key) === 'cli';
}

/** A --weights file, read and checked once: its tensors, its metadata, and the --arch layers its metadata names (null for an MLP or a file from elsewhere). */
export interface WeightsFile {
  file: string;
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
  arch: ArchitectureEntry[] | null;
}

export function readWeights(file: string): WeightsFile {
  noteInput('--weights', file);
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw new InputError(`--weights ${file}: is a directory, not a .safetensors file`);
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`--weights ${file}: ${readFailure(error)}`);
  }
  const kind = recognisedKind(bytes);
  if (kind) {
    const hint = kind.includes('torch') || kind.includes('pickle') ? '; save the state dict with safetensors.torch.save_file (README, "Your own network")' : '';
    throw new InputError(`--weights ${file}: is ${kind}, not a .safetensors file${hint}`);
  }
  let parsed: { tensors: Map<string, NamedTensor>; metadata: Record<string, string> };
  try {
    parsed = parseSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsFormatError) throw new InputError(`--weights ${file}: ${error.message}`);
    throw error;
  }
  return { file, ...parsed, arch: archOf(file, parsed.metadata) };
}

/** The --arch layers a file ntk-cli wrote says its network has, or null. */
function archOf(file: string, metadata: Record<string, string>): ArchitectureEntry[] | null {
  if (metadata.arch === undefined) return null;
  try {
    return parseArchSpec(metadata.arch);
  } catch (error) {
    if (error instanceof ArchSpecError) throw new InputError(`--weights ${file}: its arch '${metadata.arch}' is not a network: ${error.message}`);
    throw error;
  }
}

/**
 * Whether the network is built after the inputs are read: an --arch network
 * takes its input shape from them, while an MLP's state dict fixes their size
 * and is applied first.
 */
export function weightsAfterInputs(weights: WeightsFile, flags: ModelFlags): boolean {
  return flags.arch !== undefined || weights.arch !== null;
}

/** The settings a file's metadata fixes, checked against the flags typed on the command line. */
function settingsFrom(metadata: Record<string, string>, flags: ModelFlags, command: Command, file: string) {
  const settings = { activation: flags.activation, parameterization: flags.parameterization, sigmaW: flags.sigmaW, sigmaB: flags.sigmaB };
  // A value the metadata holds is read as its flag would be; one that flag would refuse is refused, not ignored.
  const read = <T>(key: string, parse: (text: string) => T, expected: string): T | undefined => {
    const text = metadata[key];
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch {
      throw new InputError(`--weights ${file}: its metadata's ${key} '${text.replace(/\n/g, '\\n')}' is not ${expected}`);
    }
  };
  const accepted = <T extends string>(accepts: (text: string) => boolean) => (text: string): T => {
    if (!accepts(text)) throw new Error(text);
    return text as T;
  };
  const stored = {
    activation: read('activation', accepted<ModelFlags['activation']>(isActivation), `an activation (${ACTIVATION_NAMES.join(', ')})`),
    parameterization: read('parameterization', accepted<ModelFlags['parameterization']>((text) => (PARAMETERIZATIONS as readonly string[]).includes(text)), `a parameterization (${PARAMETERIZATIONS.join(', ')})`),
    sigmaW: read('sigma_w', finiteNumber(0), 'a finite number above 0'),
    sigmaB: read('sigma_b', nonNegativeNumber, 'a finite number ≥ 0'),
  };
  const flagNames = { activation: '--activation', parameterization: '--parameterization', sigmaW: '--sigma-w', sigmaB: '--sigma-b' };
  const metadataNames = { activation: 'activation', parameterization: 'parameterization', sigmaW: 'sigma_w', sigmaB: 'sigma_b' };
  for (const key of ['activation', 'parameterization', 'sigmaW', 'sigmaB'] as const) {
    const value = stored[key];
    if (value === undefined) continue;
    if (explicit(command, key) && flags[key] !== value) {
      throw new UsageError(`${flagNames[key]} ${flags[key]} contradicts --weights ${file} (saved with ${metadataNames[key]} ${value})`);
    }
    (settings as Record<string, unknown>)[key] = value;
  }
  if (settings.parameterization !== 'ntk' && (explicit(command, 'sigmaW') || explicit(command, 'sigmaB'))) {
    throw new UsageError('--sigma-w and --sigma-b go with --parameterization ntk');
  }
  return { settings, activationKnown: stored.activation !== undefined || explicit(command, 'activation') };
}

/**
 * An --arch network from a state dict: its layers from --arch (or the file),
 * its input shape from --input-shape, the file or the inputs, W from the first
 * layer that has it, and the tensors matched in order to the layers with
 * parameters, every shape checked.
 */
function applyArchWeights(config: RunConfig, flags: ModelFlags, command: Command, weights: WeightsFile, settings: InitOptions): void {
  const { file, tensors, metadata, arch: saved } = weights;
  const layers = flags.arch ?? saved!;
  if (flags.arch && saved && formatArchSpec(flags.arch) !== metadata.arch) throw new UsageError(`--arch ${formatArchSpec(flags.arch)} contradicts --weights ${file} (saved with arch ${metadata.arch})`);
  const savedShape = metadata.input_shape !== undefined ? parseShape(metadata.input_shape) : null;
  const input = flags.inputShape ?? savedShape ?? [...config.network.architecture.input];
  // W: the output size of the first layer with parameters that has it.
  const stack = groups(tensors, "a layer's weight or bias");
  const trainable = layers.filter((entry) => entry.kind === 'dense' || entry.kind === 'conv');
  const first = trainable.findIndex((entry) => (entry.kind === 'dense' ? entry.units : entry.kind === 'conv' ? entry.channels : 0) === 'W');
  const units = first >= 0 && stack[first] ? stack[first].weight.shape[0] : flags.width.kind === 'finite' ? flags.width.units : 1;
  if (first >= 0 && explicit(command, 'width') && flags.width.kind === 'finite' && flags.width.units !== units) {
    throw new UsageError(`--width ${flags.width.units} contradicts --weights ${file} (W = ${units} there)`);
  }
  let model: Network;
  try {
    model = networkFromStateDict(tensors, resolveLayers({ input, layers }, units), input, settings);
  } catch (error) {
    if (error instanceof StateDictError || error instanceof LayerShapeError) throw new InputError(`--weights ${file}: ${error.message}`);
    throw error;
  }
  config.model = model;
  config.modelSource = { flag: '--weights', file };
  config.network = { architecture: { input, layers }, width: finiteWidth(units), parameterization: settings.parameterization, sigmaW: settings.sigmaW, sigmaB: settings.sigmaB };
}

/** Read --weights into `config`: the network, and the architecture the file gives. */
export function applyWeights(config: RunConfig, flags: ModelFlags, command: Command, weights: WeightsFile): void {
  const { file, tensors, metadata } = weights;
  const { settings, activationKnown } = settingsFrom(metadata, flags, command, file);
  if (flags.arch || weights.arch !== null) return applyArchWeights(config, flags, command, weights, settings);
  let model: Network;
  let layers: LayerSpec[];
  let input: Shape;
  try {
    ({ input, specs: layers } = mlpSpecsFromStateDict(tensors, settings.activation));
    model = networkFromStateDict(tensors, layers, input, settings);
  } catch (error) {
    if (error instanceof StateDictError) throw new InputError(`--weights ${file}: ${error.message}`);
    throw error;
  }
  const sizes = layerSizesOf(model);
  const hidden = sizes.slice(1, -1);
  const width = flags.width.kind === 'finite' ? flags.width.units : null;
  const contradictions: [flag: string, key: 'inputDim' | 'outputDim' | 'depth' | 'width', value: unknown, differs: boolean][] = [
    ['--input-dim', 'inputDim', flags.inputDim, flags.inputDim !== sizes[0]],
    ['--output-dim', 'outputDim', flags.outputDim, flags.outputDim !== sizes[sizes.length - 1]],
    ['--depth', 'depth', flags.depth, flags.depth !== hidden.length],
    ['--width', 'width', width, hidden.some((w) => w !== width)],
  ];
  for (const [flag, key, value, differs] of contradictions) {
    if (explicit(command, key) && differs) throw new UsageError(`${flag} ${value} contradicts --weights ${file} (layer sizes ${sizes.join('-')})`);
  }
  if (!activationKnown) {
    throw new UsageError(`--weights ${file}: the file does not say which activation the network uses; give --activation (${ACTIVATION_NAMES.join(', ')})`);
  }
  config.model = model;
  config.modelSource = { flag: '--weights', file };
  config.network = {
    architecture: { input, layers },
    width: finiteWidth(hidden[0] ?? 0),
    parameterization: settings.parameterization,
    sigmaW: settings.sigmaW,
    sigmaB: settings.sigmaB,
  };
}

/** Write the network as safetensors, with the metadata that rebuilds it. */
export function saveModel(flag: string, file: string, model: Network, network: NetworkSpec): void {
  const mlp = mlpOf(network.architecture, network.width);
  const activation = mlp?.activation;
  const width = network.width.kind === 'finite' ? network.width.units : 0;
  const metadata: Record<string, string> = mlp
    ? { format: 'ntk-cli', ...(activation ? { activation } : {}), parameterization: network.parameterization, layers: layerSizesOf(model).join('-') }
    : { format: 'ntk-cli', arch: formatArchSpec(network.architecture.layers), width: String(width), input_shape: network.architecture.input.join('x'), parameterization: network.parameterization };
  if (network.parameterization === 'ntk') {
    metadata.sigma_w = String(network.sigmaW);
    metadata.sigma_b = String(network.sigmaB);
  }
  writeOutput(flag, file, encodeSafetensors(stateDictFromNetwork(model), metadata));
}
