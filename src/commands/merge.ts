/** `ntk-cli merge BLOCK.npy…`: assemble blocks from `kernel --rows --cols` into one .npy, one block in memory at a time. */
import fs = require('node:fs');
import path = require('node:path');
import { Command } from 'commander';
import { outputFormat } from '../cli/formats';
import { checkFreeSpace, checkWritableTarget, noteInput, stageOutput, writeFailure } from '../cli/outputs';
import { printReport, type GlobalFlags } from '../cli/report';
import { InputError, UsageError } from '../errors';
import { BlockPlanError, planMerge, type PlacedBlock } from '../io/blocks';
import { valuesDigest } from '../io/blockValues';
import { readFlagMatrix } from '../cli/matrices';
import { NpyStream } from '../io/npyStream';
import { writtenInPlace } from '../io/atomicWrite';

function readPlacement(file: string): PlacedBlock {
  const sidecar = `${file}.json`;
  noteInput('block', file);
  noteInput('placement', sidecar);
  try {
    const placement = JSON.parse(fs.readFileSync(sidecar, 'utf8'));
    const range = (r: unknown) => Array.isArray(r) && r.length === 2 && r.every(Number.isSafeInteger);
    if (!range(placement.rows) || !range(placement.cols) || !range(placement.shape)) throw new Error('not a block placement');
    if (typeof placement.fingerprint !== 'string') throw new Error('no fingerprint of its run (a block from an older ntk-cli?): recompute it');
    if (placement.values_sha256 !== undefined && typeof placement.values_sha256 !== 'string') throw new Error('not a block placement');
    return { file, rows: placement.rows, cols: placement.cols, shape: placement.shape, symmetric: Boolean(placement.symmetric), fingerprint: placement.fingerprint, values_sha256: placement.values_sha256 };
  } catch (error) {
    throw new InputError(`${sidecar}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing (blocks come from `ntk-cli kernel --rows a:b --cols c:d`)' : (error as Error).message}`);
  }
}

function readBlock(file: string, placement: PlacedBlock): { data: Float32Array; rows: number; cols: number } {
  // Finite, as every kernel ntk-cli writes: a NaN or an infinity is a damaged block, refused with its place.
  const block = readFlagMatrix(null, file, { argument: 'block', large: true });
  const expected = [placement.rows[1] - placement.rows[0], placement.cols[1] - placement.cols[0]];
  if (block.rows !== expected[0] || block.cols !== expected[1]) throw new InputError(`${file}: is ${block.rows}×${block.cols}, its placement says ${expected.join('×')}`);
  const data = block.values instanceof Float32Array ? block.values : Float32Array.from(block.values);
  if (placement.values_sha256 !== undefined && valuesDigest(data) !== placement.values_sha256) {
    throw new InputError(`${file}: its values are not those its placement ${file}.json was written with (the file was replaced or copied since); recompute the block`);
  }
  return { data, rows: block.rows, cols: block.cols };
}

/** The block files the arguments name: a .npy, or a directory's .npy files that have a placement beside them (kernel --task's). */
function blockFiles(args: string[]): string[] {
  return args.flatMap((arg) => {
    let directory = false;
    try {
      directory = fs.statSync(arg).isDirectory();
    } catch {
      return [arg]; // readPlacement names what is missing
    }
    if (!directory) return [arg];
    const found = fs.readdirSync(arg).filter((name) => name.endsWith('.npy') && fs.existsSync(path.join(arg, `${name}.json`))).sort();
    if (found.length === 0) throw new InputError(`${arg}: a directory without blocks (.npy files with their .npy.json placements, from \`ntk-cli kernel --task\` or --rows/--cols)`);
    return found.map((name) => path.join(arg, name));
  });
}

export function mergeCommand(): Command {
  return new Command('merge')
    .argument('<blocks...>', "block .npy files, each with its .json placement beside it, or directories of them (kernel --task's)")
    .requiredOption('-o, --out <file>', 'the merged kernel (.npy, float32)')
    .action(async (args: string[], flags: { out: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalFlags>();
      const files = blockFiles(args);
      outputFormat('npy', '--out', flags.out, false);
      // Blocks are written at their offsets in a temporary renamed over the target: a device or a pipe would be replaced, not written.
      if (writtenInPlace(flags.out)) throw new UsageError(`--out ${flags.out}: merge writes a regular .npy file (its blocks are placed by offset), not a device, a pipe or standard output`);
      checkWritableTarget('--out', flags.out);
      const placements = files.map(readPlacement);
      let plan;
      try {
        plan = planMerge(placements);
      } catch (error) {
        if (error instanceof BlockPlanError) throw new InputError(`merge: ${error.message}`);
        throw error;
      }
      checkFreeSpace('--out', flags.out, plan.shape[0] * plan.shape[1] * 4 + 128);
      let stream: NpyStream;
      try {
        stream = new NpyStream(flags.out, plan.shape);
      } catch (error) {
        throw new InputError(`--out ${flags.out}: cannot write: ${writeFailure(error)}`);
      }
      try {
        for (const [k, placement] of placements.entries()) {
          const block = readBlock(files[k], placement);
          for (const step of plan.steps.filter((s) => s.file === files[k])) {
            const { r0, r1, c0, c1 } = step.part;
            const part = { data: block.data.subarray(r0 * block.cols + c0), rows: r1 - r0, cols: c1 - c0, ld: block.cols };
            stream.writeBlock(step.row, step.col, part, step.transpose);
            // A signal that arrives during a long merge is handled here: its handler removes the temporary.
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        stageOutput('--out', flags.out, await stream.seal());
      } catch (error) {
        stream.abort();
        if ((error as NodeJS.ErrnoException).code) throw new InputError(`--out ${flags.out}: cannot write: ${writeFailure(error)}`);
        throw error;
      }
      const mirrored = new Set(plan.steps.filter((s) => s.transpose).map((s) => s.file)).size;
      await printReport(
        { shape: plan.shape, blocks: files.length, mirrored, out: flags.out },
        `merged ${files.length} blocks${mirrored ? ` (${mirrored} mirrored)` : ''} into ${flags.out} (${plan.shape.join('×')})`,
        globals,
        false,
      );
    });
}
