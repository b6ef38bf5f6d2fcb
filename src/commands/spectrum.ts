/**
 * `ntk-cli spectrum [MATRIX]`: the eigenvalues of a kernel (read from MATRIX,
 * or computed from the model options as `kernel` computes it), its
 * conditioning, effective rank, learning-rate bound and, with --targets, how
 * much of the targets its top eigendirections hold; a chart and --json.
 */
import { Command, Option } from 'commander';
import { outputFormat, extensionList } from '../cli/formats';
import { computeKernel, finishKernelJob, startKernelJob, type KernelJobFlags } from '../cli/kernelJob';
import { addOptions, MODEL_OPTIONS, RUNTIME_OPTIONS } from '../cli/options';
import { checkWritableTarget, writeOutput } from '../cli/outputs';
import { wholeNumber, LIMITS } from '../cli/parsers';
import { describeRun, printReport, type GlobalFlags } from '../cli/report';
import { checkBackendFlag, checkMemory, memoryBudget } from '../cli/runtime';
import { readFlagMatrix, readTargets } from '../cli/matrices';
import { addSourceOptions } from '../cli/sources';
import { explicit } from '../cli/weights';
import { labelsFile } from '../cli/inputs';
import { alignmentReport, alignmentWith, checkLabelledKernel, classesOf, classesReport } from '../cli/labels';
import { InputError, UsageError } from '../errors';
import { asymmetry, kernelPrecision, kernelSpectrum, operatorSpectrum, precisionOf, type Precision, type Spectrum, type SpectrumRequest } from '../analysis/spectrum';
import { reportNumber, reportNumbers, reportSeconds } from '../cli/reportNumbers';
import { encodeNpy } from '../io/npy';
import { RUNTIME_BYTES } from '../engines/types';
import { kernelShape } from '../pipeline';
import { openLinalg } from '../linalg';
import { rowChunksOperator, TopEigenError } from '../linalg/topEigen';
import { CHUNK_BYTES, npyRowChunks, npyValueReader } from '../io/npyRows';
import type { RowChunks } from '../types';
import { TorchGenerator } from '../model/torchRandom';
import { renderSpectrumChart, type ImageFormat as ChartFormat } from '../render';

type SpectrumFlags = KernelJobFlags & {
  out: string;
  title?: string;
  top?: number;
  targets?: string;
  saveEigenvalues?: string;
  saveEigenvectors?: string;
};

/** Asymmetry a float32 kernel may show from rounding alone; more is a matrix that is not a kernel. */
const SYMMETRY_TOLERANCE = 1e-5;

/** MATRIX as a symmetric kernel, checked. */
function readKernel(file: string): { values: Float32Array | Float64Array; n: number } {
  const matrix = readFlagMatrix(null, file, { large: true, argument: 'MATRIX' });
  if (matrix.rows !== matrix.cols) throw new InputError(`${file}: a kernel is square; this matrix is ${matrix.rows}×${matrix.cols}`);
  const values = matrix.values;
  const asym = asymmetry(values, matrix.rows);
  if (asym > SYMMETRY_TOLERANCE) {
    throw new InputError(`${file}: not symmetric (the largest |K_ij − K_ji| is ${asym.toPrecision(3)} of the largest |K_ij|); a kernel matrix is symmetric`);
  }
  return { values, n: matrix.rows };
}

/** The memory the Krylov iteration holds for the top k of n: three blocks of basis and images, float64 and float32 copies. */
function iterationBytes(n: number, top: number): number {
  return n * 3 * (top + Math.max(10, top)) * 4 * 4;
}

/**
 * MATRIX as chunks of rows, where --top asks for a few eigenvalues of a .npy
 * that does not fit the memory budget with the iteration; null to read it
 * whole. Streamed, the matrix is read once per product of the iteration.
 */
function streamedKernel(file: string, flags: SpectrumFlags): RowChunks | null {
  if (flags.top === undefined || !file.toLowerCase().endsWith('.npy')) return null;
  let chunks: ReturnType<typeof npyRowChunks>;
  try {
    chunks = npyRowChunks(file);
  } catch {
    return null; // read whole, and the reader names what is wrong
  }
  if (!chunks || chunks.rows !== chunks.cols) return null;
  const inMemory = RUNTIME_BYTES + chunks.rows * chunks.rows * 8 + iterationBytes(chunks.rows, flags.top);
  return inMemory > memoryBudget(flags.maxMemory) ? chunks : null;
}

/**
 * A streamed kernel's trace, from its n diagonal values read one by one (no
 * pass over the file), and a check that sampled pairs K_ij, K_ji agree as a
 * kernel's do, on the scale of its diagonal (|K_ij| ≤ √(K_ii·K_jj) ≤ max K_ii).
 */
function checkStreamedKernel(file: string, n: number, seed: bigint): number {
  const values = npyValueReader(file);
  try {
    let trace = 0;
    let largest = 0;
    for (let i = 0; i < n; i++) {
      const v = values.at(i, i);
      trace += v;
      largest = Math.max(largest, Math.abs(v));
    }
    const picks = new TorchGenerator(seed).uniform(2 * 512, 0, n);
    let worst = 0;
    for (let p = 0; p < 512; p++) {
      const [i, j] = [Math.floor(picks[2 * p]!), Math.floor(picks[2 * p + 1]!)];
      const [a, b] = [values.at(i, j), values.at(j, i)];
      largest = Math.max(largest, Math.abs(a));
      worst = Math.max(worst, Math.abs(a - b));
    }
    if (largest > 0 && worst / largest > SYMMETRY_TOLERANCE) {
      throw new InputError(`${file}: not symmetric (sampled pairs differ by ${(worst / largest).toPrecision(3)} of the largest |K_ij|); a kernel matrix is symmetric`);
    }
    return trace;
  } finally {
    values.close();
  }
}

/** Peak memory beyond the kernel itself: LAPACK's float64 copy and, with eigenvectors, its workspace and ours. */
function checkSpectrumMemory(n: number, flags: SpectrumFlags, vectors: boolean): void {
  const parts: Record<string, number> = { runtime: RUNTIME_BYTES, kernel: n * n * 8 };
  if (flags.top === undefined) parts.decomposition = n * n * (vectors ? 32 : 8);
  else parts.iteration = iterationBytes(n, flags.top);
  checkMemory({ total: Object.values(parts).reduce((a, b) => a + b, 0), parts }, flags.maxMemory, flags.top === undefined ? 'ask for the largest few with --top K, ' : '');
}

function spectrumReport(spectrum: Spectrum): Record<string, unknown> {
  return {
    n: spectrum.n,
    solver: spectrum.solver,
    ...(spectrum.iterations !== null ? { iterations: spectrum.iterations, converged: true } : {}),
    eigenvalues: reportNumbers(spectrum.eigenvalues),
    lambda_max: reportNumber(spectrum.lambdaMax),
    lambda_min: reportNumber(spectrum.lambdaMin),
    condition_number: reportNumber(spectrum.conditionNumber),
    effective_rank: reportNumber(spectrum.effectiveRank),
    trace: reportNumber(spectrum.trace),
    precision: spectrum.precision,
    resolution_floor: reportNumber(spectrum.floor),
    numerical_rank: spectrum.numericalRank,
    negative_eigenvalues: spectrum.negativeEigenvalues,
    max_learning_rate: reportNumber(spectrum.maxLearningRate),
    ...(spectrum.targetEnergy ? { target_energy: reportNumbers(spectrum.targetEnergy) } : {}),
  };
}

function describeSpectrum(spectrum: Spectrum, seconds: number): string {
  const fmt = (v: number | null) => (v === null ? 'n/a' : v === Infinity ? '∞' : v.toPrecision(4));
  const which = spectrum.complete ? '' : `top ${spectrum.eigenvalues.length} `;
  const parts = [`λ_max ${fmt(spectrum.lambdaMax)}`];
  if (spectrum.complete) {
    const condition = spectrum.conditionNumber === Infinity ? '∞ (singular)' : fmt(spectrum.conditionNumber);
    parts.push(`λ_min ${fmt(spectrum.lambdaMin)}`, `condition number ${condition}`, `effective rank ${fmt(spectrum.effectiveRank)}`, `${spectrum.negativeEigenvalues} negative`);
  }
  parts.push(`numerical rank ${spectrum.numericalRank}${spectrum.complete ? '' : ` of the top ${spectrum.eigenvalues.length}`} (${spectrum.precision} floor ${spectrum.floor.toPrecision(3)})`);
  parts.push(`max learning rate ${fmt(spectrum.maxLearningRate)}`);
  if (spectrum.targetEnergy) parts.push(`top eigendirection holds ${(100 * spectrum.targetEnergy[0]).toFixed(1)}% of the targets`);
  return `${which}spectrum of a ${spectrum.n}×${spectrum.n} kernel by ${spectrum.solver} in ${seconds.toFixed(3)} s: ${parts.join(', ')}`;
}

export function spectrumCommand(): Command {
  const command = new Command('spectrum').argument('[matrix]', 'a symmetric kernel (.npy or .csv); without it, the kernel of the model options');
  addSourceOptions(addOptions(addOptions(command, MODEL_OPTIONS), RUNTIME_OPTIONS))
    .option('-o, --out <file>', `chart: ${extensionList('chart')}`, 'spectrum.png')
    .option('--title <text>', 'chart title')
    .addOption(new Option('--top <k>', 'only the k largest eigenvalues, by block Krylov iteration (for large kernels)').argParser(wholeNumber(1, LIMITS.samples)))
    .option('--targets <file>', 'targets Y, one row per sample (.npy or .csv): the fraction of their energy in the top eigendirections')
    .option('--save-eigenvalues <file>', 'write the eigenvalues, largest first (.npy, float64)')
    .option('--save-eigenvectors <file>', 'write the eigenvectors as columns in the order of the eigenvalues (.npy, float64, n × k)')
    .action(async (file: string | undefined, flags: SpectrumFlags, cmd: Command) => {
      const started = process.hrtime.bigint();
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const format = outputFormat('chart', '--out', flags.out) as ChartFormat;
      checkWritableTarget('--out', flags.out);
      for (const [flag, path] of [['--save-eigenvalues', flags.saveEigenvalues], ['--save-eigenvectors', flags.saveEigenvectors]] as const) {
        if (path === undefined) continue;
        outputFormat('npy', flag, path, false);
        checkWritableTarget(flag, path);
      }
      let kernel: { values: Float32Array | Float64Array; n: number; precision?: Precision } | { chunks: RowChunks; n: number };
      let run: Record<string, unknown> | null = null;
      let saved: Record<string, string> = {};
      let labels: string[] | null = null;
      let summary = '';
      let network: SpectrumRequest['network'];
      if (file !== undefined) {
        const given = [...MODEL_OPTIONS, 'weights', 'inputs', 'inputs2', 'dataset', 'saveModel', 'saveInputs'].find((key) => explicit(cmd, key));
        if (given) throw new UsageError(`${file} is the kernel already; --${given.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies when spectrum computes one`);
        checkBackendFlag(flags, explicit(cmd, 'backend'), Boolean(globals.quiet));
        const chunks = streamedKernel(file, flags);
        kernel = chunks ? { chunks, n: chunks.rows } : readKernel(file);
        if (flags.labels !== undefined) labels = labelsFile(flags.labels, kernel.n);
      } else {
        if (flags.inputs2 !== undefined) throw new UsageError('--inputs2: a spectrum needs a symmetric kernel Θ(X, X)');
        const job = startKernelJob(flags, cmd);
        const result = await computeKernel(job, flags, { keepsMatrix: true, wayOut: 'write it with `ntk-cli kernel --out k.npy` and pass k.npy, ' });
        kernel = { values: result.kernel!, n: result.rows, precision: kernelPrecision(result) };
        labels = job.labels;
        checkLabelledKernel(labels, result.rows, result.cols, result.inputs.count);
        // --save-model and --save-inputs written as kernel and heatmap write them; named among the run's outputs.
        const { outputs: written, ...kernelRun } = finishKernelJob(job, flags, result, {});
        [run, saved] = [kernelRun, written as Record<string, string>];
        summary = `${describeRun(job.config, result)}; `;
        network = { outputs: kernelShape(job.config).outputs, trace: job.config.trace };
      }
      const n = kernel.n;
      if (flags.top !== undefined && flags.top > n) throw new UsageError(`--top ${flags.top}: the kernel has ${n} eigenvalues`);
      const targets = flags.targets === undefined ? undefined : readTargets('--targets', flags.targets, n, 'one per sample of the kernel');
      const vectors = flags.saveEigenvectors !== undefined;
      if ('chunks' in kernel) {
        const parts = { runtime: RUNTIME_BYTES, iteration: iterationBytes(n, flags.top!), 'rows read at a time': 2 * CHUNK_BYTES };
        checkMemory({ total: Object.values(parts).reduce((a, b) => a + b, 0), parts }, flags.maxMemory, '');
      } else checkSpectrumMemory(n, flags, vectors || targets !== undefined);
      const { linalg } = await openLinalg(flags.linalg, flags.threads, flags.backend);
      const solving = process.hrtime.bigint();
      const streamed = 'chunks' in kernel ? { chunks: kernel.chunks, trace: checkStreamedKernel(file!, n, flags.seed) } : null;
      // Streamed, the top eigenvalues come from the block Krylov iteration's float32 products.
      const precision = 'values' in kernel ? (kernel.precision ?? precisionOf(kernel.values)) : 'float32';
      const generator = new TorchGenerator(flags.seed);
      let spectrum: Spectrum;
      try {
        const request = { top: flags.top, vectors, targets, linalg, precision, network, randn: (count: number) => generator.randn(count) };
        spectrum = streamed
          ? operatorSpectrum(rowChunksOperator(streamed.chunks, linalg), streamed.trace, { ...request, top: flags.top! })
          : kernelSpectrum((kernel as { values: Float32Array | Float64Array }).values, n, request);
      } catch (error) {
        if (error instanceof TopEigenError) throw new InputError(`--top ${flags.top}: ${error.message}; leave out --top for the full decomposition`);
        throw error;
      }
      const solveSeconds = Number(process.hrtime.bigint() - solving) / 1e9;

      const title = flags.title ?? `NTK spectrum (n = ${n}${spectrum.complete ? '' : `, top ${spectrum.eigenvalues.length}`})`;
      writeOutput('--out', flags.out, renderSpectrumChart({ title, eigenvalues: spectrum.eigenvalues, trace: spectrum.trace, targetEnergy: spectrum.targetEnergy, floor: spectrum.floor, precision: spectrum.precision }, format));
      const outputs: Record<string, string> = { chart: flags.out, ...saved };
      if (flags.saveEigenvalues !== undefined) {
        writeOutput('--save-eigenvalues', flags.saveEigenvalues, encodeNpy(spectrum.eigenvalues, [spectrum.eigenvalues.length], 'float64'));
        outputs.eigenvalues = flags.saveEigenvalues;
      }
      if (flags.saveEigenvectors !== undefined && spectrum.eigenvectors) {
        writeOutput('--save-eigenvectors', flags.saveEigenvectors, encodeNpy(spectrum.eigenvectors, [n, spectrum.eigenvalues.length], 'float64'));
        outputs.eigenvectors = flags.saveEigenvectors;
      }
      const seconds = { solve: reportSeconds(solveSeconds), total: reportSeconds(Number(process.hrtime.bigint() - started) / 1e9) };
      const classes = labels ? classesOf(labels) : null;
      const labelled = classes ? { classes: classesReport(classes), ...alignmentReport(alignmentWith(classes, 'chunks' in kernel ? kernel.chunks : kernel.values)) } : {};
      const report = { ...spectrumReport(spectrum), ...labelled, seconds, kernel: run ?? { file, ...(streamed ? { read: 'by rows, once per product (larger than memory)' } : {}) }, outputs };
      await printReport(report, `${summary}${describeSpectrum(spectrum, solveSeconds)}; wrote ${flags.out}`, globals, false);
    });
  return command;
}
