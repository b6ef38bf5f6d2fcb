/** `ntk-cli kernel`: compute Θ(X, X) (or Θ(X, Y)) and write the matrix (.npy, .csv or .json; '-' for stdout). */
import { Command, Option } from 'commander';
import fs = require('node:fs');
import path = require('node:path');
import { runFingerprint, selectBlock, slurmTask } from '../cli/blocks';
import { extensionList, formatWithFlag } from '../cli/formats';
import { computeKernel, finishKernelJob, startKernelJob, type KernelJob, type KernelJobFlags } from '../cli/kernelJob';
import { alignmentReport, alignmentWith, checkLabelledKernel, classesOf, classesReport } from '../cli/labels';
import { addOptions, MODEL_OPTIONS, RUNTIME_OPTIONS } from '../cli/options';
import { checkFreeSpace, checkWritableTarget, stageOutput, writeFailure, writeOutput, writeOutputChunks, writeStdout } from '../cli/outputs';
import { parseRange, parseTask } from '../cli/parsers';
import { BlockFilesSink } from '../io/blockFiles';
import type { BlockPlacement } from '../io/blocks';
import { npyValuesDigest, valuesDigest } from '../io/blockValues';
import { taskBand, taskFileName, taskTiles, tileBlocks, type TaskBlock } from '../io/tasks';
import { tilePlan, tileSideFor } from '../kernel/tiles';
import { linalgNameFor } from '../linalg';
import { describeRun, printReport, type GlobalFlags } from '../cli/report';
import { addSourceOptions } from '../cli/sources';
import { InputError, UsageError } from '../errors';
import { writtenInPlace } from '../io/atomicWrite';
import { matrixChunks, MATRIX_FORMATS, minimumMatrixBytes, type MatrixFormat } from '../io/kernelFile';
import type { NpyDtype } from '../io/npy';
import { npyRowChunks } from '../io/npyRows';
import { NpyStream } from '../io/npyStream';
import { kernelShape, modelAndInputs, runInputs } from '../pipeline';

type KernelFlags = KernelJobFlags & { out: string; dtype: NpyDtype; format?: MatrixFormat; rows?: [number, number]; cols?: [number, number]; task?: { index: number; count: number } | 'slurm' };

/** Open the streamed .npy, naming the flag when the directory refuses it. */
function openStream(out: string, shape: [number, number]): NpyStream {
  try {
    return new NpyStream(out, shape);
  } catch (error) {
    throw new InputError(`--out ${out}: cannot write: ${writeFailure(error)}`);
  }
}

/** A task's part of the report's kernel: the whole kernel's shape, and its own cells' count, range and non-finite count (the trace is the merged kernel's). */
function taskCells(report: Record<string, unknown>, shape: [number, number], cells: number): Record<string, unknown> {
  const { min, max, non_finite: nonFinite } = report.kernel as Record<string, unknown>;
  return { shape, cells, min, max, non_finite: nonFinite };
}

/** An infinite-width task's band (computed pair by pair: any rows give the same bits), its file under --out. */
function taskBandOf(flags: KernelFlags, job: KernelJob, task: { index: number; count: number }): TaskBlock {
  const { rows: n, cols: m } = kernelShape(job.config);
  if (task.count > n) throw new UsageError(`--task ${task.index}/${task.count}: more tasks than the ${n} rows of the kernel`);
  makeDirectory(flags.out);
  flags.out = path.join(flags.out, taskFileName(task.index, task.count));
  checkWritableTarget('--out', flags.out);
  checkWritableTarget('--out', `${flags.out}.json`);
  return taskBand(task.index, task.count, n, m, !job.config.inputs2);
}

/** --task i/N (or slurm): which task of how many, after the checks that need no file. */
function taskOf(flags: KernelFlags, cmd: Command): { index: number; count: number } | null {
  if (!flags.task) return null;
  if (flags.rows || flags.cols) throw new UsageError('--task computes its own rows and columns; --rows and --cols contradict it');
  if (flags.out === '-' || cmd.getOptionValueSource('out') !== 'cli') throw new UsageError('--task writes its blocks into the directory --out names (e.g. --out blocks)');
  if (flags.trace === 'none') throw new UsageError('--task computes blocks of a traced kernel; --trace none is computed whole');
  if (flags.method === 'naive' || flags.backend === 'webgpu') throw new UsageError(`--task computes tiles as a whole run on the host computes them; ${flags.method === 'naive' ? '--method naive' : '--backend webgpu'} does not`);
  if (flags.dtype !== 'float32' || flags.format) throw new UsageError('--task writes float32 .npy blocks (merge assembles a float32 .npy)');
  return flags.task === 'slurm' ? slurmTask(process.env) : flags.task;
}

function makeDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new InputError(`--out ${dir}: cannot make the directory: ${writeFailure(error)}`);
  }
}

/**
 * A task of a finite network's kernel: its tiles of the whole run's plan
 * (io/tasks.ts), computed as that run computes them, into one block file per
 * tile row, each with its placement.
 */
async function runTask(flags: KernelFlags, job: KernelJob, task: { index: number; count: number }, globals: GlobalFlags): Promise<void> {
  const { config } = job;
  const { rows: n, cols: m } = kernelShape(config);
  const symmetric = !config.inputs2;
  // The tile side a whole run writing a .npy uses (structured engine, streamed).
  const plan = tilePlan(n, m, tileSideFor(linalgNameFor(flags.linalg, flags.threads), true), symmetric);
  const tiles = taskTiles(task.index, task.count, plan, symmetric);
  makeDirectory(flags.out);
  const blocks = tileBlocks(tiles);
  const files = blocks.map((_, k) => path.join(flags.out, taskFileName(task.index, task.count, k)));
  if (tiles.length === 0) {
    const report = { task: { index: task.index, count: task.count, tiles: 0, of: plan.length }, blocks: [] };
    await printReport(report, `task ${task.index} of ${task.count}: nothing to compute (the kernel is ${plan.length} tile${plan.length === 1 ? '' : 's'}, fewer than ${task.count} tasks)`, globals, false);
    return;
  }
  for (const file of files) {
    checkWritableTarget('--out', file);
    checkWritableTarget('--out', `${file}.json`);
  }
  const cells = blocks.reduce((sum, b) => sum + (b.rows[1] - b.rows[0]) * (b.cols[1] - b.cols[0]), 0);
  checkFreeSpace('--out', flags.out, cells * 4 + blocks.length * 128);
  // The network and inputs drawn once, for the fingerprint and the kernel alike; the report still names where they came from (job.config).
  const drawn = { ...config, ...modelAndInputs(config), tiles };
  const fingerprint = runFingerprint(drawn, drawn.inputs, drawn.inputs2 ?? null);
  let sink: BlockFilesSink;
  try {
    sink = new BlockFilesSink(blocks, files, [n, m]);
  } catch (error) {
    throw new InputError(`--out ${flags.out}: cannot write: ${writeFailure(error)}`);
  }
  try {
    const result = await computeKernel({ ...job, config: drawn }, flags, { keepsMatrix: false, sink, wayOut: '' });
    const staged = await sink.seal();
    blocks.forEach((b, k) => {
      stageOutput('--out', files[k]!, staged[k]!);
      const placement: BlockPlacement = { rows: b.rows, cols: b.cols, shape: [n, m], symmetric, fingerprint, values_sha256: npyValuesDigest(staged[k]!.temp) };
      writeOutput('--out', `${files[k]}.json`, Buffer.from(JSON.stringify(placement) + '\n'));
    });
    const report = finishKernelJob(job, flags, result, { blocks: flags.out });
    report.kernel = taskCells(report, [n, m], cells);
    report.task = { index: task.index, count: task.count, tiles: tiles.length, of: plan.length };
    report.blocks = blocks.map((b, k) => ({ file: files[k], rows: b.rows, cols: b.cols }));
    await printReport(report, `task ${task.index} of ${task.count}: ${tiles.length} of the ${plan.length} tile${plan.length === 1 ? '' : 's'} of the ${n}×${m} kernel (${cells} cells) in ${blocks.length} block${blocks.length > 1 ? 's' : ''} under ${flags.out}`, globals, false);
  } catch (error) {
    sink.abort();
    if ((error as NodeJS.ErrnoException).code) throw new InputError(`--out ${flags.out}: cannot write: ${writeFailure(error)}`);
    throw error;
  }
}

export function kernelCommand(): Command {
  const command = new Command('kernel');
  addSourceOptions(addOptions(addOptions(command, MODEL_OPTIONS), RUNTIME_OPTIONS))
    .option('-o, --out <file>', `output file: ${extensionList('matrix')}; '-' writes to stdout`, 'ntk.npy')
    .addOption(new Option('--format <format>', 'format for --out - or a device or pipe (default csv)').choices(MATRIX_FORMATS))
    .addOption(new Option('--dtype <type>', 'element type: .npy float32 or float64; CSV and JSON values as the shortest decimals of float32 or float64').choices(['float32', 'float64']).default('float32'))
    .addOption(new Option('--rows <a:b>', 'compute only rows a … b−1 of the kernel (a block for `ntk-cli merge`)').argParser(parseRange))
    .addOption(new Option('--cols <c:d>', 'compute only columns c … d−1').argParser(parseRange))
    .addOption(new Option('--task <i/N|slurm>', "compute task i of N, a share of nearly equal work (whole tiles of a single run's plan; at infinite width a band of rows), into the directory --out as block-i-of-N*.npy files for `ntk-cli merge DIR`; 'slurm': the job array's task").argParser(parseTask))
    .action(async (flags: KernelFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const { json } = globals;
      const task = taskOf(flags, cmd);
      const taskJob = task ? startKernelJob(flags, cmd) : null;
      if (taskJob && flags.labels !== undefined) throw new UsageError('--task computes a share of the kernel; --labels (and their alignment) go with the whole kernel');
      // A dataset's own labels are left out of a share (its alignment is the whole kernel's).
      if (taskJob) taskJob.labels = null;
      if (task && flags.width.kind === 'finite') return runTask(flags, taskJob!, task, globals);
      const toStdout = flags.out === '-';
      const format = flags.task ? 'npy' : (formatWithFlag('matrix', '--out', flags.out, flags.format) as MatrixFormat);
      if (toStdout && json) throw new UsageError('--json and --out - both write to stdout; choose one');
      if (!toStdout && !flags.task) checkWritableTarget('--out', flags.out);
      if ((flags.rows || flags.cols) && !toStdout) checkWritableTarget('--out', `${flags.out}.json`);
      const job = taskJob ?? startKernelJob(flags, cmd);
      if (flags.labels !== undefined && (flags.rows || flags.cols)) throw new UsageError('--rows and --cols compute a block; --labels (and their alignment) go with the whole kernel');
      if (flags.rows || flags.cols) job.labels = null;
      // An infinite-width task: its band of rows (io/tasks.ts), through --rows/--cols.
      const band = task ? taskBandOf(flags, job, task) : null;
      // A block is computed from slices of the whole inputs, drawn once here; --save-inputs writes them whole, as the run that merges the blocks has them.
      const [rowRange, colRange] = [band?.rows ?? flags.rows, band?.cols ?? flags.cols];
      const wholeInputs = rowRange || colRange ? runInputs(job.config) : undefined;
      const selected = selectBlock(job.config, rowRange, colRange, wholeInputs);
      const block = selected?.placement ?? null;
      // What is computed: the block's run, on slices of the inputs (the report describes the whole run, job).
      const run = selected ? { ...job, config: selected.config } : job;
      if (block && (format !== 'npy' || toStdout)) throw new UsageError('--rows and --cols write a .npy block (with its .json placement beside it)');
      if (block && flags.trace === 'none') throw new UsageError('--rows and --cols take blocks of a traced kernel; --trace none is computed whole');
      // A float32 .npy streams tile by tile into the file: the matrix is never held in memory.
      const streams = format === 'npy' && flags.dtype === 'float32' && !toStdout && !writtenInPlace(flags.out);
      const { rows, cols } = kernelShape(run.config);
      if (!toStdout) checkFreeSpace('--out', flags.out, minimumMatrixBytes(rows, cols, format, flags.dtype));
      const stream = streams ? openStream(flags.out, [rows, cols]) : null;
      try {
        const wayOut = streams ? '' : 'write a float32 .npy (it streams to disk), ';
        const result = await computeKernel(run, flags, { keepsMatrix: !streams, sink: stream, wayOut });
        // The streamed kernel waits beside its target until the run's outputs are complete (cli/outputs.ts); read back from there.
        const streamedFile = stream ? await stream.seal() : null;
        if (streamedFile) stageOutput('--out', flags.out, streamedFile);
        else {
          const bytes = matrixChunks(result.kernel!, result.rows, result.cols, format, flags.dtype);
          if (toStdout) await writeStdout(bytes);
          else await writeOutputChunks('--out', flags.out, bytes);
        }
        if (block) {
          const digest = streamedFile ? npyValuesDigest(streamedFile.temp) : valuesDigest(result.kernel!);
          writeOutput('--out', `${flags.out}.json`, Buffer.from(JSON.stringify({ ...block, values_sha256: digest }) + '\n'));
        }
        const report = finishKernelJob(job, flags, result, { matrix: flags.out }, wholeInputs);
        if (block) {
          // The whole kernel's samples, as a run of the whole kernel reports them; the block's own place beside.
          Object.assign(report, { n: block.shape[0], samples: block.shape[0] });
          if (report.dataset) (report.dataset as Record<string, unknown>).n = block.shape[0];
          if (task) {
            // As a finite network's task reports: its cells of the whole kernel and its block.
            report.kernel = taskCells(report, block.shape, result.rows * result.cols);
            report.task = { index: task.index, count: task.count, rows: block.rows };
            report.blocks = [{ file: flags.out, rows: block.rows, cols: block.cols }];
          } else report.block = { rows: block.rows, cols: block.cols, of: block.shape };
        }
        if (job.labels) {
          checkLabelledKernel(job.labels, result.rows, result.cols, result.inputs.count);
          const classes = classesOf(job.labels);
          // A streamed kernel is read back from its file by rows: the alignment needs every entry.
          const source = result.kernel ?? npyRowChunks(streamedFile!.temp)!;
          Object.assign(report, { classes: classesReport(classes), ...alignmentReport(alignmentWith(classes, source)) });
        }
        const where = toStdout ? `${format} to stdout` : flags.out;
        await printReport(report, `${describeRun(job.config, result, block)}; wrote ${where}`, globals, toStdout);
      } catch (error) {
        stream?.abort();
        if (stream && (error as NodeJS.ErrnoException).code) throw new InputError(`--out ${flags.out}: cannot write: ${writeFailure(error)}`);
        throw error;
      }
    });
  return command;
}
