/**
 * `--model net.onnx` and `--params REGEX`: a network from an ONNX file
 * (io/onnx.ts reads it, onnx/network.ts makes it a network), in place of
 * the flags that would describe or draw one.
 */
import fs = require('node:fs');
import path = require('node:path');
import type { Command } from 'commander';
import { InputError, readFailure, UsageError } from '../errors';
import type * as OnnxFile from '../io/onnx';
import { finiteWidth } from '../model/architecture';
import { specsOf } from '../model/network';
import type * as OnnxNetwork from '../onnx/network';
import type * as OnnxOps from '../onnx/ops';
import type * as OnnxPlan from '../onnx/plan';
import type { RunConfig } from '../pipeline';

export interface ModelFileFlags {
  model?: string;
  params?: string;
  inputShape?: number[];
  weights?: string;
  saveModel?: string;
}

export function addModelFileOptions(command: Command): Command {
  return command
    .option('--model <file>', 'a network as an ONNX model (.onnx; torch.onnx.export, tf2onnx, …), instead of --arch, the MLP options and --weights')
    .option('--params <regex>', "with --model: the parameters θ, by initializer name (default: every floating-point initializer but batch normalisation's running statistics)");
}

/** The flags that would describe the network another way: refused beside --model. */
const CONTRADICTING: [key: string, flag: string][] = [
  ['arch', '--arch'],
  ['width', '--width'],
  ['depth', '--depth'],
  ['activation', '--activation'],
  ['inputDim', '--input-dim'],
  ['outputDim', '--output-dim'],
  ['parameterization', '--parameterization'],
  ['sigmaW', '--sigma-w'],
  ['sigmaB', '--sigma-b'],
  ['quadrature', '--quadrature'],
];

/** Usage errors of --model and --params, before anything is read. */
export function checkModelFileFlags(flags: ModelFileFlags, explicit: (key: string) => boolean): void {
  if (flags.params !== undefined && flags.model === undefined) throw new UsageError('--params picks parameters of a --model network');
  if (flags.model === undefined) return;
  const given = CONTRADICTING.find(([key]) => explicit(key));
  if (given) throw new UsageError(`${given[1]} contradicts --model (the network comes from ${flags.model})`);
  if (flags.weights !== undefined) throw new UsageError(`--weights contradicts --model (the network and its weights come from ${flags.model})`);
  if (flags.saveModel !== undefined) throw new UsageError(`--save-model writes networks of ntk-cli's layers; a --model network is its file already`);
  if (flags.params !== undefined) paramsPattern(flags.params);
}

function paramsPattern(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new UsageError(`--params ${text}: not a regular expression (${(error as Error).message})`);
  }
}

/** Read --model into the run: its network (config.model) and architecture; a bad file is one line naming it. */
export function applyModelFile(config: RunConfig, flags: ModelFileFlags): void {
  const file = flags.model!;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new InputError(`--model ${file}: ${readFailure(error)}`);
  }
  // The ONNX reader and lowering load only for --model (the protobuf schema and the op table are large).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OnnxFileError, parseOnnx } = require('../io/onnx') as typeof OnnxFile;
  const { onnxNetwork } = require('../onnx/network') as typeof OnnxNetwork;
  const { OnnxOpError } = require('../onnx/ops') as typeof OnnxOps;
  const { OnnxPlanError } = require('../onnx/plan') as typeof OnnxPlan;
  /* eslint-enable @typescript-eslint/no-require-imports */
  try {
    const model = parseOnnx(bytes, file);
    const network = onnxNetwork(model, path.basename(file), { params: flags.params === undefined ? undefined : paramsPattern(flags.params), inputShape: flags.inputShape });
    config.model = network;
    config.modelSource = { flag: '--model', file };
    config.network = { architecture: { input: network.input, layers: specsOf(network) }, width: finiteWidth(1), parameterization: 'standard', sigmaW: 1, sigmaB: 1 };
  } catch (error) {
    if (error instanceof OnnxFileError || error instanceof OnnxPlanError || error instanceof OnnxOpError) throw new InputError(`--model ${file}: ${error.message}`);
    throw error;
  }
}
