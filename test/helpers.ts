/** Shared test helpers: fixture loading and matrix comparison. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseNpy } from '../src/io/npy';
import type { MlpShape } from '../src/model/mlp';

export const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(ROOT, 'fixtures');
export const BIN = path.join(ROOT, 'bin', 'ntk-cli.js');

/** A fixture network (fixtures/kernels/NAME/case.json): its shape and the run PyTorch made with it. */
export interface KernelCase extends Required<Pick<MlpShape, 'inputDim' | 'width' | 'depth' | 'outputDim' | 'activation' | 'parameterization'>> {
  name: string;
  samples: number;
  seed: number;
  parameters: number;
}

export function kernelCases(): KernelCase[] {
  const dir = path.join(FIXTURES, 'kernels');
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => ({ name, ...JSON.parse(fs.readFileSync(path.join(dir, name, 'case.json'), 'utf8')) }));
}

export function caseShape(c: KernelCase): MlpShape {
  return {
    inputDim: c.inputDim,
    width: c.width,
    depth: c.depth,
    outputDim: c.outputDim,
    activation: c.activation,
    parameterization: c.parameterization,
  };
}

export function loadCaseArray(c: KernelCase | string, file: string): Float32Array | Float64Array {
  const name = typeof c === 'string' ? c : c.name;
  return parseNpy(fs.readFileSync(path.join(FIXTURES, 'kernels', name, file))).data;
}

/** max |a − b| / max |b|, the tolerance measure the issues use for kernels. */
export function relativeMaxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
  return diff;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** Run the CLI as a user would, through bin/ntk-cli.js. */
export function runCli(args: string[], options: { cwd?: string; input?: string | Buffer; uid?: number; gid?: number } = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    uid: options.uid,
    gid: options.gid,
    maxBuffer: 1 << 28,
  });
  return {
    status: result.status,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    stdoutBytes: result.stdout,
  };
}

/** A fresh directory under the system temp directory, removed when the test process exits. */
export function tempDir(prefix = 'ntk-cli-test-'): string {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
