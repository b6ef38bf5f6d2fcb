/**
 * The flags every kernel-computing command shares, their parsers and their
 * conversion into a RunConfig. Parsers reject bad values with commander's
 * InvalidArgumentError, which commander reports naming the flag (exit 2).
 */
import * as os from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../kernel/backend';
import { TRACES, type Trace } from '../kernel/trace';
import { ACTIVATIONS, PARAMETERIZATIONS, type Activation, type Parameterization } from '../model/mlp';
import { METHODS, type Method, type RunConfig } from '../pipeline';
import { ANALYTIC_ACTIVATIONS, KERNEL_KINDS, type KernelKind } from '../kernel/analytic';
import { UsageError } from '../errors';

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

function nonNegativeNumber(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a finite number ≥ 0.');
  return n;
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

/** A hidden width, or 'inf' for the infinite-width (analytic) kernel. */
export function parseWidth(value: string): number {
  if (/^(inf|infinity)$/i.test(value.trim())) return Infinity;
  try {
    return wholeNumber(1, LIMITS.width)(value);
  } catch {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${LIMITS.width}, or inf.`);
  }
}

export interface ModelOptions {
  threads: number;
  progress?: boolean;
  maxMemory?: number;
  width: number;
  sigmaW: number;
  sigmaB: number;
  kernel: KernelKind;
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
    .addOption(new Option('--width <n>', "hidden layer width; 'inf' for the analytic infinite-width kernel (ntk parameterization)").default(10).argParser(parseWidth))
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
    .addOption(new Option('--sigma-w <x>', 'ntk parameterization: weight scale σ_w (layer output σ_w·W·a/√fan_in + σ_b·b)').default(1).argParser(finiteNumber(0)))
    .addOption(new Option('--sigma-b <x>', 'ntk parameterization: bias scale σ_b').default(1).argParser(nonNegativeNumber))
    .addOption(new Option('--kernel <k>', "ntk, or nngp (the infinite-width network's output covariance; needs --width inf)").choices(KERNEL_KINDS).default('ntk'))
    .addOption(new Option('--method <m>', 'structured: per-layer factors; naive: one gradient per sample (the seed)').choices(METHODS).default('structured'))
    .addOption(new Option('--trace <t>', 'combine output channels: sum, or mean (neural-tangents)').choices(TRACES).default('sum'))
    .addOption(new Option('--backend <b>', 'TensorFlow.js backend: auto = node if installed, else wasm').choices(BACKEND_CHOICES).default('auto'))
    .addOption(new Option('--threads <n>', 'worker threads for large kernels (default: the number of cores)').default(os.availableParallelism(), String(os.availableParallelism())).argParser(wholeNumber(1, 256)))
    .addOption(new Option('--max-memory <GB>', 'refuse runs estimated to need more (default: 80% of available memory)').argParser(finiteNumber(0)))
    .option('--progress', 'show a progress bar on stderr even when it is not a terminal')
    .option('--json', 'print a JSON summary on stdout')
    .option('--debug', 'print stack traces on errors');
}

/** Flags that only make sense together, checked before any work. */
export function checkModelFlags(options: ModelOptions, explicit: (key: string) => boolean): void {
  const infinite = options.width === Infinity;
  if ((explicit('sigmaW') || explicit('sigmaB')) && options.parameterization !== 'ntk') {
    throw new UsageError('--sigma-w and --sigma-b go with --parameterization ntk');
  }
  if (options.kernel === 'nngp' && !infinite) throw new UsageError('--kernel nngp needs --width inf (a finite network has no NNGP kernel to compute)');
  if (!infinite) return;
  if (options.parameterization !== 'ntk') {
    throw new UsageError('--width inf needs --parameterization ntk: in standard (PyTorch) parameterization the NTK grows with the width and has no finite limit');
  }
  if (!(ANALYTIC_ACTIVATIONS as readonly string[]).includes(options.activation)) {
    throw new UsageError(`--width inf: no closed form for --activation ${options.activation}; use relu, erf or identity`);
  }
  if (explicit('method')) throw new UsageError('--method applies to finite widths; --width inf is computed in closed form');
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
      sigmaW: options.sigmaW,
      sigmaB: options.sigmaB,
    },
    kernel: options.kernel,
    samples: options.samples,
    seed: options.seed,
    method: options.method,
    trace: options.trace,
    backend: options.backend,
    threads: options.threads,
  };
}
