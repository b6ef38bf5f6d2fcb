/**
 * What a command tells its caller: one JSON object with --json, else one
 * human line. The JSON's keys are snake_case, the core's fields camelCase;
 * this is where one becomes the other.
 */
import type { BlockPlacement } from '../io/blocks';
import type { GraphLayer } from '../layers';
import { mlpOf, resolveLayers } from '../model/architecture';
import { formatArchSpec } from '../model/archSpec';
import { layerSizesOf } from '../model/mlp';
import type { NtkResult, RunConfig } from '../pipeline';
import type { GpuAdapter } from '../tfjs/webgpu';
import { checkGates, type Gate } from './gates';
import { reportSeconds } from './reportNumbers';
import { markOutputsComplete, stdoutIsAnOutput, writeStdout } from './outputs';

/** The MLP the network is, when it is one: its layer sizes ('inf' for infinite hidden layers) and activation. */
function mlpReport(config: RunConfig, result: NtkResult): { sizes: (number | 'inf')[]; activation: string | null } | null {
  const mlp = mlpOf(config.network.architecture, config.network.width);
  if (!mlp) return null;
  return { sizes: result.model ? layerSizesOf(result.model) : mlp.sizes, activation: mlp.activation };
}

/** The network's layers as --arch writes them, with W as the width it ran at ('W' at infinite width). */
function archOf(config: RunConfig): string {
  const { width } = config.network;
  const layers = width.kind === 'finite' ? resolveLayers(config.network.architecture, width.units) : config.network.architecture.layers;
  return formatArchSpec(layers);
}

/** An ONNX graph run as one layer (layers/graph.ts), where the network is one. */
function graphOf(config: RunConfig): GraphLayer | null {
  const first = config.model?.layers[0];
  return first?.kind === 'graph' ? first : null;
}

/** The network in a few words: "a 20-10-1 relu MLP", its layers and input shape, or its ONNX file. */
function describeNetwork(config: RunConfig, result: NtkResult): string {
  const graph = graphOf(config);
  if (graph) return `${graph.name} (an ONNX graph of ${graph.model.nodes.length} nodes, opset ${graph.model.opset}) on ${config.network.architecture.input.join('×')} inputs`;
  const mlp = mlpReport(config, result);
  if (mlp) return `a ${mlp.sizes.join('-')} ${mlp.activation} MLP`;
  return `a ${archOf(config)} network on ${config.network.architecture.input.join('×')} inputs`;
}

export interface Report {
  [key: string]: unknown;
}

function kernelReport(result: NtkResult): Report {
  const { min, max, trace, nonFinite } = result.stats;
  return {
    shape: [result.rows, result.cols],
    min,
    max,
    trace,
    diag_mean: trace === null ? null : trace / result.rows,
    non_finite: nonFinite,
  };
}

/** The network's shape for --json: an MLP's sizes and activation, or an --arch network's layers and input shape. */
function modelShapeReport(config: RunConfig, result: NtkResult): Report {
  const graph = graphOf(config);
  if (graph) return { onnx: { nodes: graph.model.nodes.length, opset: graph.model.opset, theta: graph.plan.theta }, input_shape: [...config.network.architecture.input] };
  const mlp = mlpReport(config, result);
  if (mlp) return { layers: mlp.sizes, activation: mlp.activation };
  return { arch: archOf(config), input_shape: [...config.network.architecture.input], width: config.network.width.kind === 'infinite' ? 'inf' : config.network.width.units };
}

export function runReport(config: RunConfig, result: NtkResult, totalSeconds: number, outputs: Record<string, string>): Report {
  const seed = config.seed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(config.seed) : config.seed.toString();
  return {
    n: result.inputs.count,
    parameters: result.parameters,
    linalg: result.linalg,
    backend: result.backend,
    ...(result.adapter ? { adapter: adapterReport(result.adapter) } : {}),
    method: result.model ? config.method : 'analytic',
    // The engine of pipeline.ts's table that ran: 'structured on worker threads', 'structured over outputs', ….
    engine: result.engine,
    ...(result.dual ? { infinite_width: result.dual } : {}),
    kernel_kind: config.kernel,
    trace: config.trace,
    model: {
      ...modelShapeReport(config, result),
      parameterization: config.network.parameterization,
      ...(config.network.parameterization === 'ntk' ? { sigma_w: config.network.sigmaW, sigma_b: config.network.sigmaB } : {}),
      source: config.modelSource?.flag === '--model' ? 'onnx' : config.model ? 'weights' : result.model ? 'seed' : 'analytic',
      ...(config.modelSource?.flag === '--model' ? { file: config.modelSource.file } : {}),
    },
    samples: result.inputs.count,
    // Drawn from the seed (onto the sphere with sphere:N), or given: a file, circle:N or a dataset.
    inputs: config.normalizeInputs ? 'sphere' : config.inputs ? (config.inputsSource ?? 'file') : 'seed',
    seed,
    seconds: { kernel: reportSeconds(result.kernelSeconds), products: result.productSeconds === null ? null : reportSeconds(result.productSeconds), total: reportSeconds(totalSeconds) },
    kernel: kernelReport(result),
    outputs,
  };
}

function adapterReport(adapter: GpuAdapter): Report {
  const { vendor, architecture, device, description, fallback } = adapter;
  return { vendor, architecture, device, description, fallback };
}


/** Where the products ran, for the summary line: "openblas", "tfjs (wasm)", "analytic". */
export function describeEngine(result: NtkResult): string {
  if (result.linalg === null) return 'analytic';
  if (result.adapter) return `webgpu (${result.adapter.description || result.adapter.vendor}${result.adapter.fallback ? ', a software adapter' : ''})`;
  return result.backend ? `${result.linalg} (${result.backend})` : result.linalg;
}

/** The human summary of a run; `block` when it computed one block of a larger kernel. */
export function describeRun(config: RunConfig, result: NtkResult, block?: BlockPlacement | null): string {
  const { min, max } = result.stats;
  const parameters = result.parameters === null ? 'infinite width' : `${result.parameters} parameters`;
  const network = `${describeNetwork(config, result)} (${parameters}, ${config.network.parameterization})`;
  const from = config.model ? `from ${config.modelSource?.flag ?? '--weights'}` : result.model ? `seed ${config.seed}` : (result.dual ?? 'closed form');
  const n = result.inputs.count;
  const perSample = result.rows / n;
  const whole = perSample > 1 ? `, ${result.rows}×${result.cols} over ${perSample} outputs` : '';
  const on = block
    ? `rows ${block.rows.join(':')} × cols ${block.cols.join(':')} of the ${block.shape[0] === block.shape[1] ? block.shape[0] : block.shape.join('×')}-sample kernel${whole}`
    : !config.inputs2
      ? `${n} samples${whole}`
      : `${n}×${config.inputs2.count} samples (cross-kernel${whole})`;
  return (
    `${config.kernel.toUpperCase()} of ${network} on ${on}, ${from}: K in [${min.toPrecision(5)}, ${max.toPrecision(5)}], ` +
    `${result.model ? `${config.method} on ${describeEngine(result)}` : 'analytic'} in ${result.kernelSeconds.toFixed(3)} s`
  );
}

/** The flags every command takes (declared on the program, cli.ts). */
export interface GlobalFlags {
  json?: boolean;
  quiet?: boolean;
  failIf?: Gate[];
  debug?: boolean;
}

/**
 * Print the report: JSON on stdout with --json, else the human line (on
 * stderr when stdout carries data; not at all with --quiet). Then the
 * --fail-if gates, which may end the run with exit code 3.
 */
export async function printReport(report: Report, human: string, globals: GlobalFlags, stdoutTaken: boolean): Promise<void> {
  await markOutputsComplete();
  if (globals.json) await writeStdout(JSON.stringify(report) + '\n');
  else if (globals.quiet) {
    // nothing: the exit code and the files speak
  } else if (stdoutTaken || stdoutIsAnOutput()) process.stderr.write(human + '\n');
  else await writeStdout(human + '\n');
  checkGates(report, globals.failIf);
}
