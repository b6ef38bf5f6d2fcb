/**
 * The flags every kernel-computing command shares, their parsers and their
 * conversion into a RunConfig. Parsers reject bad values with commander's
 * InvalidArgumentError, which commander reports naming the flag (exit 2).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../kernel/backend';
import { TRACES, type Trace } from '../kernel/trace';
import { ACTIVATIONS, PARAMETERIZATIONS, type Activation, type Parameterization } from '../model/mlp';
import { METHODS, type Method, type RunConfig } from '../pipeline';

/** A whole number in [min, max], written in plain decimal digits. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A finite decimal number, optionally bounded below (exclusive). */
export function finiteNumber(greaterThan = -Infinity): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(n) || !(n > greaterThan)) {
      throw new InvalidArgumentError(greaterThan === -Infinity ? 'expected a finite number.' : `expected a finite number above ${greaterThan}.`);
    }
    return n;
  };
}

const MAX_SEED = 0xffffffffffffffffn;

/** Seeds as torch.manual_seed takes them: 0 … 2⁶⁴−1. */
export function parseSeed(value: string): bigint {
  if (!/^\d+$/.test(value.trim()) || BigInt(value.trim()) > MAX_SEED) {
    throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_SEED}.`);
  }
  return BigInt(value.trim());
}

/** Upper bounds that keep a run within a 64-bit address space's reach; the memory guard is separate. */
export const LIMITS = { width: 1 << 20, depth: 1000, inputDim: 1 << 24, outputDim: 4096, samples: 1 << 20 };

export interface ModelOptions {
  width: number;
  depth: number;
  inputDim: number;
  outputDim: number;
  samples: number;
  seed: bigint;
  activation: Activation;
  parameterization: Parameterization;
  method: Method;
  trace: Trace;
  backend: BackendChoice;
  json?: boolean;
}

export function addModelOptions(command: Command): Command {
  return command
    .addOption(new Option('--width <n>', 'hidden layer width').default(10).argParser(wholeNumber(1, LIMITS.width)))
    .addOption(new Option('--depth <n>', 'number of hidden layers').default(1).argParser(wholeNumber(1, LIMITS.depth)))
    .addOption(new Option('--input-dim <n>', 'input dimension d').default(20).argParser(wholeNumber(1, LIMITS.inputDim)))
    .addOption(new Option('--output-dim <n>', 'number of outputs').default(1).argParser(wholeNumber(1, LIMITS.outputDim)))
    .addOption(new Option('--samples <n>', 'number of random inputs x ~ N(0, I)').default(100).argParser(wholeNumber(1, LIMITS.samples)))
    .addOption(new Option('--seed <s>', 'torch.manual_seed value (0 to 2^64-1)').default(0n, '0').argParser(parseSeed))
    .addOption(new Option('--activation <name>', 'hidden activation (gelu: exact erf form)').choices(ACTIVATIONS).default('relu'))
    .addOption(
      new Option('--parameterization <p>', "standard: PyTorch nn.Linear init; ntk: N(0,1) weights, forward scaled by 1/sqrt(fan_in)")
        .choices(PARAMETERIZATIONS)
        .default('standard'),
    )
    .addOption(new Option('--method <m>', 'structured: per-layer factors; naive: one gradient per sample (the seed)').choices(METHODS).default('structured'))
    .addOption(new Option('--trace <t>', 'combine output channels: sum, or mean (neural-tangents)').choices(TRACES).default('sum'))
    .addOption(new Option('--backend <b>', 'TensorFlow.js backend: auto = node if installed, else wasm').choices(BACKEND_CHOICES).default('auto'))
    .option('--json', 'print a JSON summary on stdout')
    .option('--debug', 'print stack traces on errors');
}

export function runConfig(options: ModelOptions): RunConfig {
  return {
    shape: {
      inputDim: options.inputDim,
      width: options.width,
      depth: options.depth,
      outputDim: options.outputDim,
      activation: options.activation,
      parameterization: options.parameterization,
    },
    samples: options.samples,
    seed: options.seed,
    method: options.method,
    trace: options.trace,
    backend: options.backend,
  };
}
