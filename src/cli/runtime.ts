/**
 * The run-time side of computing a kernel from the command line: the memory
 * guard (refuse before starting rather than die halfway) and the progress bar
 * (stderr only, for runs longer than about a second, when stderr is a
 * terminal or --progress asks for it).
 */
import os = require('node:os');
import type { SingleBar } from 'cli-progress';
import { InputError } from '../errors';
import { outputsStart } from '../io/atomicWrite';
import { DivergenceError } from '../model/train';
import { nativeHelpers } from '../native';
import { linalgNameFor, type LinalgChoice } from '../linalg';
import type { MemoryEstimate } from '../pipeline';
import { BackendUnavailableError, type BackendChoice } from '../tfjs/backend';

const GB = 1e9;

/** The bytes a run may use: --max-memory, or 80% of available memory. */
export function memoryBudget(maxMemoryGB: number | undefined): number {
  return maxMemoryGB !== undefined ? maxMemoryGB * GB : 0.8 * os.freemem();
}

/**
 * Refuse a run whose estimated peak memory exceeds --max-memory (default 80%
 * of available memory). `wayOut` is what the run itself can change ("lower
 * --samples", "ask for the largest few with --top K"), ending in ', '.
 */
export function checkMemory(estimate: MemoryEstimate, maxMemoryGB: number | undefined, wayOut: string): void {
  const budget = memoryBudget(maxMemoryGB);
  if (estimate.total <= budget) return;
  const parts = Object.entries(estimate.parts)
    .filter(([, bytes]) => bytes >= 0.01 * GB)
    .map(([name, bytes]) => `${name} ${(bytes / GB).toFixed(2)}`)
    .join(', ');
  const source = maxMemoryGB !== undefined ? '--max-memory' : '80% of available memory';
  const gb = (bytes: number) => (bytes / GB < 10 ? (bytes / GB).toPrecision(2) : (bytes / GB).toFixed(0));
  const advice = wayOut ? `${wayOut.replace(/,\s*$/, '')}, or raise --max-memory` : 'raise --max-memory';
  throw new InputError(`this run needs about ${gb(estimate.total)} GB (${parts}), more than ${source} (${gb(budget)} GB); ${advice}`);
}

export interface Progress {
  update: (fraction: number) => void;
  stop: () => void;
}

/**
 * A progress bar on stderr. Asked for with --progress it shows from the first
 * update; on a terminal by itself it appears only once a run has taken a
 * second, so quick runs print nothing.
 */
export function progressBar(mode: ProgressMode, label: string): Progress {
  if (mode === 'off') return { update: () => undefined, stop: () => undefined };
  const started = Date.now();
  let bar: SingleBar | null = null;
  return {
    update: (fraction) => {
      if (!bar && mode === 'terminal' && Date.now() - started < 1000) return;
      if (!bar) {
        // A bar hides the terminal's cursor: from now on a signal is handled, and shows it again.
        outputsStart();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { SingleBar } = require('cli-progress') as typeof import('cli-progress');
        bar = new SingleBar({
          stream: process.stderr,
          format: `${label} [{bar}] {percentage}% | {eta_formatted} left`,
          hideCursor: true,
          etaBuffer: 20,
          // --progress into a file or pipe: a plain line every second instead of redrawing.
          noTTYOutput: true,
          notTTYSchedule: 1000,
        });
        bar.start(1000, 0);
      }
      bar.update(Math.round(fraction * 1000));
    },
    stop: () => bar?.stop(),
  };
}

/**
 * Check an explicit --backend against what the run will use: a backend that
 * is not installed is refused before any work (exit 1); one the run would not
 * use (its products run on OpenBLAS and nothing else needs TensorFlow.js) is
 * named in a warning, so a flag never does nothing silently.
 */
export function checkBackendFlag(flags: { backend: BackendChoice; linalg: LinalgChoice; threads: number; method?: string }, explicitlyGiven: boolean, quiet: boolean): void {
  if (!explicitlyGiven || flags.backend === 'auto' || flags.backend === 'webgpu') return;
  if (flags.backend === 'node') {
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      throw new BackendUnavailableError('--backend node: @tensorflow/tfjs-node is not installed here (its install downloads libtensorflow); use --backend wasm');
    }
  }
  const usesTfjs = linalgNameFor(flags.linalg, flags.threads) === 'tfjs' || flags.method === 'naive';
  if (!usesTfjs && !quiet) {
    process.stderr.write(`ntk-cli: warning: --backend ${flags.backend} is not used: the products run on OpenBLAS (--linalg tfjs puts them on TensorFlow.js)\n`);
  }
}

/** 'asked': --progress; 'terminal': stderr is a terminal (and no --quiet); 'off' otherwise. */
export type ProgressMode = 'asked' | 'terminal' | 'off';

export function wantsProgress(flag: boolean | undefined, quiet = false): ProgressMode {
  if (flag) return 'asked';
  return !quiet && stderrIsTerminal() ? 'terminal' : 'off';
}

/** Asked of the native helper where it is built: process.stderr.isTTY makes the stream, a millisecond of a run that may never write to it. */
function stderrIsTerminal(): boolean {
  const native = nativeHelpers();
  return typeof native?.isTerminal === 'function' ? native.isTerminal(2) : process.stderr.isTTY === true;
}

/** Training that diverged, as one line naming the learning rate's flag (other errors pass through). */
export function trainingFailure(error: unknown, flag: string, learningRate: number): unknown {
  return error instanceof DivergenceError ? new InputError(`${flag} ${learningRate}: ${error.message}; a smaller ${flag} converges`) : error;
}

