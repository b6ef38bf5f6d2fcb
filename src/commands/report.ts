/** What a command tells its caller: one JSON object with --json, else one human line. */
import type { NtkResult, RunConfig } from '../pipeline';
import type { Mlp } from '../model/mlp';

function sizesOf(model: Mlp): number[] {
  return [model.layers[0].inDim, ...model.layers.map((l) => l.outDim)];
}

export interface Report {
  [key: string]: unknown;
}

export function runReport(config: RunConfig, result: NtkResult, totalSeconds: number, outputs: Record<string, string>): Report {
  const seed = config.seed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(config.seed) : config.seed.toString();
  return {
    n: result.rows,
    parameters: result.parameters,
    backend: result.backend,
    method: config.method,
    trace: config.trace,
    model: {
      layers: sizesOf(result.model),
      activation: result.model.activation,
      parameterization: config.shape.parameterization,
      source: config.model ? 'weights' : 'seed',
    },
    samples: result.rows,
    inputs: config.inputs ? 'file' : 'seed',
    seed,
    seconds: { kernel: round(result.kernelSeconds), total: round(totalSeconds) },
    kernel: { shape: [result.rows, result.cols], ...result.stats },
    outputs,
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1e4) / 1e4;
}

export function describeRun(config: RunConfig, result: NtkResult): string {
  const { min, max } = result.stats;
  const network = `${sizesOf(result.model).join('-')} ${result.model.activation} MLP (${result.parameters} parameters, ${config.shape.parameterization})`;
  const from = config.model ? 'from --weights' : `seed ${config.seed}`;
  const on = result.rows === result.cols && !config.inputs2 ? `${result.rows} samples` : `${result.rows}×${result.cols} samples (cross-kernel)`;
  return (
    `NTK of a ${network} on ${on}, ${from}: K in [${min.toPrecision(5)}, ${max.toPrecision(5)}], ` +
    `${config.method} on ${result.backend} in ${result.kernelSeconds.toFixed(3)} s`
  );
}

/** Print the report: JSON on stdout, or the human line on stdout (stderr when stdout carries data). */
export function printReport(report: Report, human: string, json: boolean | undefined, stdoutTaken: boolean): void {
  if (json) process.stdout.write(JSON.stringify(report) + '\n');
  else (stdoutTaken ? process.stderr : process.stdout).write(human + '\n');
}
