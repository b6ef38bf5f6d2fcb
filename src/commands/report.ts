/** What a command tells its caller: one JSON object with --json, else one human line. */
import type { ModelOptions } from './options';
import type { NtkResult } from '../pipeline';
import { layerSizes } from '../model/mlp';

export interface Report {
  [key: string]: unknown;
}

export function runReport(options: ModelOptions, result: NtkResult, totalSeconds: number, outputs: Record<string, string>): Report {
  const seed = options.seed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(options.seed) : options.seed.toString();
  return {
    n: result.n,
    parameters: result.parameters,
    backend: result.backend,
    method: options.method,
    trace: options.trace,
    model: {
      layers: layerSizes(options),
      activation: options.activation,
      parameterization: options.parameterization,
    },
    samples: options.samples,
    seed,
    seconds: { kernel: round(result.kernelSeconds), total: round(totalSeconds) },
    kernel: { shape: [result.n, result.n], ...result.stats },
    outputs,
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1e4) / 1e4;
}

export function describeRun(options: ModelOptions, result: NtkResult): string {
  const { min, max } = result.stats;
  return (
    `NTK of a ${layerSizes(options).join('-')} ${options.activation} MLP (${result.parameters} parameters, ${options.parameterization}) ` +
    `on ${result.n} samples, seed ${options.seed}: K in [${min.toPrecision(5)}, ${max.toPrecision(5)}], ` +
    `${options.method} on ${result.backend} in ${result.kernelSeconds.toFixed(3)} s`
  );
}

/** Print the report: JSON on stdout, or the human line on stdout (stderr when stdout carries data). */
export function printReport(report: Report, human: string, json: boolean | undefined, stdoutTaken: boolean): void {
  if (json) process.stdout.write(JSON.stringify(report) + '\n');
  else (stdoutTaken ? process.stderr : process.stdout).write(human + '\n');
}
