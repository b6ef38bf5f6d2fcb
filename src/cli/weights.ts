/**
 * `--weights model.safetensors`: a network read from a PyTorch state_dict,
 * and `--save-model`, which writes one. A file ntk-cli wrote carries, in its
 * metadata, everything needed to rebuild the same network (activation,
 * parameterization, σ_w and σ_b); for a file without it, the flags say what
 * the tensors cannot (the activation must be given). A flag typed on the
 * command line that contradicts the file is a usage error.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { ACTIVATION_NAMES, isActivation } from '../activations';
import { InputError, UsageError } from '../errors';
import { recognisedKind } from '../io/fileKind';
import { encodeSafetensors, parseSafetensors, SafetensorsFormatError } from '../io/safetensors';
import type { LayerSpec, Shape } from '../layers';
import { finiteWidth, mlpOf } from '../model/architecture';
import { layerSizesOf, PARAMETERIZATIONS } from '../model/mlp';
import type { Network } from '../model/network';
import { mlpSpecsFromStateDict, networkFromStateDict, StateDictError, stateDictFromNetwork, type NamedTensor } from '../model/stateDict';
import type { NetworkSpec, RunConfig } from '../pipeline';
import type { ModelFlags } from './options';
import { noteInput, writeOutput } from './outputs';

/** Was this option typed on the command line (not left at its default)? */
export function explicit(command: Command, key: string): boolean {
  return command.getOptionValueSource(key) === 'cli';
}

function readSafetensors(file: string): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  noteInput('--weights', file);
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw new InputError(`--weights ${file}: is a directory, not a .safetensors file`);
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`--weights ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const kind = recognisedKind(bytes);
  if (kind) {
    const hint = kind.includes('torch') || kind.includes('pickle') ? '; save the state dict with safetensors.torch.save_file (README, "Your own network")' : '';
    throw new InputError(`--weights ${file}: is ${kind}, not a .safetensors file${hint}`);
  }
  try {
    return parseSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsFormatError) throw new InputError(`--weights ${file}: ${error.message}`);
    throw error;
  }
}

/** The settings a file's metadata fixes, checked against the flags typed on the command line. */
function settingsFrom(metadata: Record<string, string>, flags: ModelFlags, command: Command, file: string) {
  const settings = { activation: flags.activation, parameterization: flags.parameterization, sigmaW: flags.sigmaW, sigmaB: flags.sigmaB };
  const stored = {
    activation: metadata.activation !== undefined && isActivation(metadata.activation) ? metadata.activation : undefined,
    parameterization: (PARAMETERIZATIONS as readonly string[]).includes(metadata.parameterization) ? (metadata.parameterization as ModelFlags['parameterization']) : undefined,
    sigmaW: Number.isFinite(Number(metadata.sigma_w)) && metadata.sigma_w !== undefined ? Number(metadata.sigma_w) : undefined,
    sigmaB: Number.isFinite(Number(metadata.sigma_b)) && metadata.sigma_b !== undefined ? Number(metadata.sigma_b) : undefined,
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

/** Read --weights into `config`: the network, and the architecture the file gives. */
export function applyWeights(config: RunConfig, flags: ModelFlags, command: Command, file: string): void {
  const { tensors, metadata } = readSafetensors(file);
  const { settings, activationKnown } = settingsFrom(metadata, flags, command, file);
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
  const activation = mlpOf(network.architecture, network.width)?.activation;
  const metadata: Record<string, string> = {
    format: 'ntk-cli',
    ...(activation ? { activation } : {}),
    parameterization: network.parameterization,
    layers: layerSizesOf(model).join('-'),
  };
  if (network.parameterization === 'ntk') {
    metadata.sigma_w = String(network.sigmaW);
    metadata.sigma_b = String(network.sigmaB);
  }
  writeOutput(flag, file, encodeSafetensors(stateDictFromNetwork(model), metadata));
}
