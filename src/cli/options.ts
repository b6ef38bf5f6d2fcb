/**
 * Every shared flag, declared once with one set of limits, and the groups the
 * commands take them in. A command asks for a group (or single flags) and may
 * override a default; the parsers and --help text stay the same everywhere.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ACTIVATION_NAMES, isActivation } from '../activations';
import { UsageError } from '../errors';
import { KERNEL_KINDS, type KernelKind } from '../kernel/kinds';
import { kindOf } from '../layers';
import { TRACES, type Trace } from '../kernel/trace';
import { LINALG_CHOICES, type LinalgChoice } from '../linalg';
import { finiteWidth, mlpArchitecture, type ArchitectureEntry, type Width } from '../model/architecture';
import { ArchSpecError, parseArchSpec, parseShape } from '../model/archSpec';
import { PARAMETERIZATIONS, type Parameterization } from '../model/mlp';
import { METHODS, type Method, type NetworkSpec, type RunConfig } from '../pipeline';
import { BACKEND_CHOICES, wasmRefusal, type BackendChoice } from '../tfjs/backend';
import { finiteNumber, LIMITS, nonNegativeNumber, parseSeed, parseWidth, widthList, wholeNumber } from './parsers';
import { DEFAULT_THREADS } from './startup';

function parseActivation(value: string): string {
  if (isActivation(value)) return value;
  // A leaky_relu slope out of range says its range; any other name, the choices.
  if (/^leaky_relu:/.test(value)) throw new InvalidArgumentError('The slope α of leaky_relu:α is a number in [0, 1).');
  throw new InvalidArgumentError(`Allowed choices are ${ACTIVATION_NAMES.join(', ')}.`);
}

function parseArch(value: string): ArchitectureEntry[] {
  try {
    return parseArchSpec(value);
  } catch (error) {
    if (error instanceof ArchSpecError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

function parseInputShape(value: string): number[] {
  try {
    return parseShape(value);
  } catch (error) {
    if (error instanceof ArchSpecError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** How the MLP shorthand's flags are written, for messages. */
const FLAG_NAMES = { depth: '--depth', activation: '--activation', outputDim: '--output-dim' } as const;

const DECLARATIONS = {
  width: () => new Option('--width <n>', "hidden layer width (the W of --arch); 'inf' for the analytic infinite-width kernel (ntk parameterization)").default(finiteWidth(10), '10').argParser(parseWidth),
  widths: () =>
    new Option('--widths <list>', 'comma-separated hidden widths, at least two (a slope is fitted across them)').default([16, 64, 256, 1024, 4096], '16,64,256,1024,4096').argParser(widthList(true)),
  seeds: () => new Option('--seeds <n>', 'networks per width (a band over them is drawn)').default(5).argParser(wholeNumber(1, 100)),
  depth: () => new Option('--depth <n>', 'number of hidden layers').default(1).argParser(wholeNumber(1, LIMITS.depth)),
  inputDim: () => new Option('--input-dim <n>', 'input dimension d').default(20).argParser(wholeNumber(1, LIMITS.inputDim)),
  outputDim: () => new Option('--output-dim <n>', 'number of outputs').default(1).argParser(wholeNumber(1, LIMITS.outputDim)),
  samples: () => new Option('--samples <n>', 'number of random inputs x ~ N(0, I) (torch.randn(n, C, H, W) with --input-shape)').default(100).argParser(wholeNumber(1, LIMITS.samples)),
  seed: () => new Option('--seed <s>', 'torch.manual_seed value (0 to 2^64-1)').default(0n, '0').argParser(parseSeed),
  activation: () =>
    new Option('--activation <name>', `hidden activation: ${ACTIVATION_NAMES.join(', ')} (gelu: the exact erf form; leaky_relu's α defaults to 0.01)`)
      .default('relu')
      .argParser(parseActivation),
  quadrature: () =>
    new Option('--quadrature <n>', 'infinite width without a closed form: nodes per axis of a fixed trapezoid rule (default: adaptive)').argParser(wholeNumber(8, 4001)),
  parameterization: () =>
    new Option('--parameterization <p>', 'standard: PyTorch nn.Linear and nn.Conv2d init; ntk: N(0,1) weights, forward scaled by 1/sqrt(fan_in) (C_in·K² for a convolution)')
      .choices(PARAMETERIZATIONS)
      .default('standard'),
  sigmaW: () => new Option('--sigma-w <x>', 'ntk parameterization: weight scale σ_w (layer output σ_w·W·a/√fan_in + σ_b·b)').default(1).argParser(finiteNumber(0)),
  sigmaB: () => new Option('--sigma-b <x>', 'ntk parameterization: bias scale σ_b').default(1).argParser(nonNegativeNumber),
  kernel: () => new Option('--kernel <k>', "ntk, or nngp (the infinite-width network's output covariance; needs --width inf)").choices(KERNEL_KINDS).default('ntk'),
  method: () => new Option('--method <m>', 'structured: per-layer factors; naive: one gradient per sample (the seed)').choices(METHODS).default('structured'),
  trace: () =>
    new Option('--trace <t>', "several outputs: their kernels' sum, their mean (neural-tangents), or none (the whole kernel over outputs)").choices(TRACES).default('sum'),
  linalg: () => new Option('--linalg <l>', 'matrix products: blas (OpenBLAS), tfjs (TensorFlow.js), or auto = blas when it loads').choices(LINALG_CHOICES).default('auto'),
  backend: () =>
    new Option(
      '--backend <b>',
      'TensorFlow.js backend: webgpu (the kernel on a GPU through Dawn), node, wasm or cpu; auto = a GPU for kernels of 4096² cells or more when one is found, else node if installed, else wasm',
    )
      .choices(BACKEND_CHOICES)
      .default('auto'),
  threads: () =>
    new Option('--threads <n>', 'OpenBLAS threads, or worker threads for TensorFlow.js wasm/cpu')
      .default(DEFAULT_THREADS, `${DEFAULT_THREADS}, the number of cores`)
      .argParser(wholeNumber(1, LIMITS.threads)),
  maxMemory: () => new Option('--max-memory <GB>', 'refuse runs estimated to need more (default: 80% of available memory)').argParser(finiteNumber(0)),
  progress: () => new Option('--progress', 'show a progress bar on stderr even when it is not a terminal'),
  arch: () =>
    new Option(
      '--arch <spec>',
      'the network as comma-separated layers: dense:N, conv:C:K[:same|:valid][:sS], avgpool:K, maxpool:K, gap, flatten, activations; N or C may be W (--width). Instead of the MLP options',
    ).argParser(parseArch),
  inputShape: () => new Option('--input-shape <CxHxW>', 'one input image, channels × height × width (e.g. 3x32x32), for --arch networks that start with a convolution').argParser(parseInputShape),
} satisfies Record<string, () => Option>;

export type OptionName = keyof typeof DECLARATIONS;

/** The network, its inputs and the kernel asked of it: `heatmap`, `kernel` and the commands that compute a kernel. */
export const MODEL_OPTIONS: OptionName[] = [
  'arch', 'inputShape', 'width', 'depth', 'inputDim', 'outputDim', 'samples', 'seed', 'activation', 'parameterization', 'sigmaW', 'sigmaB', 'kernel', 'method', 'trace', 'quadrature',
];
/** How a run computes: every command that computes kernels. */
export const RUNTIME_OPTIONS: OptionName[] = ['linalg', 'backend', 'threads', 'maxMemory', 'progress'];
/** Many small kernels on the host: WebGPU (whole large kernels on a device) is not offered. */
export const HOST_BACKENDS: OptionOverride = {
  choices: BACKEND_CHOICES.filter((name) => name !== 'webgpu'),
  description: 'TensorFlow.js backend, where TensorFlow.js runs: node, wasm or cpu; auto = node if installed, else wasm',
};

/** A sweep over widths of NTK-parameterised networks: `converge`, `drift`. */
export const SWEEP_OPTIONS: OptionName[] = ['widths', 'seeds', 'depth', 'inputDim', 'samples', 'seed', 'activation', 'sigmaW', 'sigmaB', 'quadrature', 'linalg', 'backend', 'threads'];

export interface OptionOverride {
  default?: unknown;
  defaultDescription?: string;
  description?: string;
  choices?: readonly string[];
  parser?: (value: string) => unknown;
}

export function addOptions(command: Command, names: OptionName[], overrides: Partial<Record<OptionName, OptionOverride>> = {}): Command {
  for (const name of names) {
    const option = DECLARATIONS[name]();
    const override = overrides[name];
    if (override?.description) option.description = override.description;
    if (override?.choices) option.choices(override.choices);
    if (override?.parser) option.argParser(override.parser);
    if (override && 'default' in override) option.default(override.default, override.defaultDescription);
    command.addOption(option);
  }
  return command;
}

export interface ModelFlags {
  /** --arch: the layers, instead of the MLP shorthand. */
  arch?: ArchitectureEntry[];
  /** --input-shape: one input's shape. */
  inputShape?: number[];
  width: Width;
  depth: number;
  inputDim: number;
  outputDim: number;
  samples: number;
  seed: bigint;
  activation: string;
  parameterization: Parameterization;
  sigmaW: number;
  sigmaB: number;
  kernel: KernelKind;
  method: Method;
  trace: Trace;
  quadrature?: number;
}

export interface RuntimeFlags {
  linalg: LinalgChoice;
  backend: BackendChoice;
  threads: number;
  maxMemory?: number;
  progress?: boolean;
}

/** The network the flags describe: --arch on --input-shape, or the MLP shorthand dense:W, φ, …, dense:O; at --width. */
export function networkOfFlags(flags: ModelFlags): NetworkSpec {
  return {
    architecture: flags.arch ? { input: flags.inputShape ?? [flags.inputDim], layers: flags.arch } : mlpArchitecture(flags.inputDim, flags.depth, flags.outputDim, flags.activation),
    width: flags.width,
    parameterization: flags.parameterization,
    sigmaW: flags.sigmaW,
    sigmaB: flags.sigmaB,
  };
}

export function runConfig(flags: ModelFlags & RuntimeFlags): RunConfig {
  return {
    network: networkOfFlags(flags),
    kernel: flags.kernel,
    samples: flags.samples,
    seed: flags.seed,
    method: flags.method,
    trace: flags.trace,
    backend: flags.backend,
    linalg: flags.linalg,
    threads: flags.threads,
    quadrature: flags.quadrature,
  };
}

/**
 * --arch against the MLP shorthand's flags, and layers without a limit (maxpool) where the kernel at
 * infinite width is asked (`infinite`: the flag that asks it).
 */
export function checkArchFlags(flags: Pick<ModelFlags, 'arch' | 'inputShape'> & { model?: string }, explicit: (key: string) => boolean, infinite: string | null): void {
  if (flags.arch) {
    const shorthand = (['depth', 'activation', 'outputDim'] as const).find((key) => explicit(key));
    if (shorthand) throw new UsageError(`${FLAG_NAMES[shorthand]} belongs to the MLP shorthand; --arch gives the layers`);
    if (explicit('inputDim') && flags.inputShape) throw new UsageError('--input-dim contradicts --input-shape');
    // A kind without an infinite-width map (maxpool) is refused by the flag that asks for that limit.
    const limitless = infinite ? flags.arch.find((entry) => !kindOf(entry).infinite) : undefined;
    if (limitless) throw new UsageError(`${infinite}: ${limitless.kind} has no closed form at infinite width${limitless.kind === 'maxpool' ? '; use avgpool' : ''}`);
  } else if (flags.inputShape && flags.model === undefined) throw new UsageError('--input-shape goes with --arch or --model (the MLP shorthand takes --input-dim)');
}

/**
 * Flags that only make sense together, checked before any work. `explicit(key)`:
 * was the flag typed? With --weights the file may fix the parameterization, so
 * σ_w and σ_b are checked against it there (weights.ts).
 */
export function checkModelFlags(flags: ModelFlags & Partial<Pick<RuntimeFlags, 'backend'>>, explicit: (key: string) => boolean, weightsGiven = false): void {
  const infinite = flags.width.kind === 'infinite';
  checkArchFlags(flags, explicit, infinite ? '--width inf' : null);
  if (!weightsGiven && (explicit('sigmaW') || explicit('sigmaB')) && flags.parameterization !== 'ntk') {
    throw new UsageError('--sigma-w and --sigma-b go with --parameterization ntk');
  }
  if (flags.kernel === 'nngp' && !infinite) throw new UsageError('--kernel nngp needs --width inf (a finite network has no NNGP kernel to compute)');
  if (explicit('quadrature') && !infinite) throw new UsageError('--quadrature applies to --width inf (the infinite-width kernel)');
  const notWasm = flags.backend === 'wasm' && flags.method === 'naive' && flags.arch ? wasmRefusal(flags.arch, true) : null;
  if (notWasm) throw new UsageError(`--backend wasm: ${notWasm}; --method naive on this --arch runs on --backend cpu or node`);
  if (flags.backend === 'webgpu' && (flags.method === 'naive' || flags.trace === 'none')) {
    throw new UsageError(`--backend webgpu computes the structured kernel traced over outputs; ${flags.method === 'naive' ? '--method naive' : '--trace none'} runs on the CPU backends`);
  }
  if (!infinite) return;
  if (flags.backend === 'webgpu') throw new UsageError('--backend webgpu computes the kernels of finite networks; --width inf is computed in closed form on the CPU');
  if (flags.parameterization !== 'ntk') {
    throw new UsageError('--width inf needs --parameterization ntk: in standard (PyTorch) parameterization the NTK grows with the width and has no finite limit');
  }
  if (explicit('method')) throw new UsageError('--method applies to finite widths; --width inf is computed in closed form');
}
