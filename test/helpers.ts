/** Shared test helpers: fixture loading and matrix comparison. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseNpy } from '../src/io/npy';
import { blas } from '../src/linalg';
import { tfjsLinalg } from '../src/linalg/tfjs';
import type { Linalg } from '../src/linalg/types';
import type { MlpShape } from '../src/model/mlp';
import { activateBackend, tfCore } from '../src/tfjs/backend';
import type { Samples } from '../src/types';

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

/** The values of a .npy file. */
export function npyValues(file: string): Float32Array | Float64Array {
  return parseNpy(fs.readFileSync(file)).data;
}

/** `ntk-cli kernel ARGS --out FILE --quiet`, asserted to succeed: the kernel's values, read back. */
export function kernelOf(args: string[], file: string): Float32Array | Float64Array {
  const run = runCli(['kernel', ...args, '--out', file, '--quiet']);
  if (run.status !== 0) throw new Error(`kernel ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return npyValues(file);
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

/** How many entries differ as bits (NaN equals NaN, −0 differs from 0). */
export function bitDifferences(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let count = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) count++;
  return count;
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

/** Run the CLI as a user would, through bin/ntk-cli.js; `withoutBlas` runs it as where nblas did not build, `diskFullAt` as if the disk filled while that output was written, `interruptAt` with a SIGINT sent as it is written, `directoryAt` with that output's target turned into a directory meanwhile; `peakFile` receives its peak resident memory in kB. */
export function runCli(args: string[], options: { cwd?: string; input?: string | Buffer; uid?: number; gid?: number; withoutBlas?: boolean; diskFullAt?: string; interruptAt?: string; directoryAt?: string; peakFile?: string; env?: Record<string, string> } = {}): CliRun {
  const preload = [
    ...(options.withoutBlas ? ['-r', path.join(__dirname, 'preload', 'withoutBlas.js')] : []),
    ...(options.diskFullAt ? ['-r', path.join(__dirname, 'preload', 'diskFull.js')] : []),
    ...(options.interruptAt || options.directoryAt ? ['-r', path.join(__dirname, 'preload', 'atWrite.js')] : []),
    ...(options.peakFile ? ['-r', path.join(__dirname, 'preload', 'peakMemory.js')] : []),
  ];
  const env = {
    ...options.env,
    ...(options.diskFullAt ? { NTK_TEST_DISK_FULL_AT: options.diskFullAt } : {}),
    ...(options.interruptAt ? { NTK_TEST_AT: options.interruptAt, NTK_TEST_DO: 'interrupt' } : {}),
    ...(options.directoryAt ? { NTK_TEST_AT: options.directoryAt, NTK_TEST_DO: 'directory' } : {}),
    ...(options.peakFile ? { NTK_TEST_PEAK_FILE: options.peakFile } : {}),
  };
  const result = spawnSync(process.execPath, [...preload, BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    env: Object.keys(env).length ? { ...process.env, ...env } : undefined,
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

/** Rows as Samples. */
export function samplesOf(values: Float32Array, dim: number): Samples {
  return { values, count: values.length / dim, dim };
}

export interface NamedLinalg {
  name: string;
  linalg: Linalg;
}

/**
 * The linalgs these tests run on: OpenBLAS when the nblas binding loads (CI
 * installs libopenblas-dev, so it does there), and TensorFlow.js's wasm
 * backend. `blasMissing` says why OpenBLAS is absent, for the skip message.
 */
export async function testLinalgs(backends: ('wasm' | 'cpu')[] = ['wasm']): Promise<{ linalgs: NamedLinalg[]; blasMissing: string | null }> {
  const linalgs: NamedLinalg[] = [];
  const loaded = blas(2);
  if ('linalg' in loaded) linalgs.push({ name: loaded.linalg.name, linalg: loaded.linalg });
  for (const backend of backends) {
    await activateBackend(backend);
    linalgs.push({ name: `tfjs-${backend}`, linalg: tfjsLinalg(tfCore()) });
  }
  return { linalgs, blasMissing: 'reason' in loaded ? loaded.reason : null };
}

/** The OpenBLAS linalg, or null (with the reason printed once) where the binding is absent. */
export function blasOrNull(): Linalg | null {
  const loaded = blas(2);
  return 'linalg' in loaded ? loaded.linalg : null;
}
