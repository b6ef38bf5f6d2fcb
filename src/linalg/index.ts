/**
 * Choosing what runs the matrix products (`--linalg`):
 *   blas  OpenBLAS through the nblas binding, with --threads OpenBLAS threads;
 *   tfjs  the TensorFlow.js backend chosen by --backend;
 *   auto  blas when the binding loads, else tfjs.
 */
import { activateBackend, type BackendChoice, type BackendName } from '../tfjs/backend';
import { loadBlas } from './blas';
import type { Linalg } from './types';

export const LINALG_CHOICES = ['auto', 'blas', 'tfjs'] as const;
export type LinalgChoice = (typeof LINALG_CHOICES)[number];

export class LinalgUnavailableError extends Error {}

export interface OpenedLinalg {
  linalg: Linalg;
  /** The TensorFlow.js backend behind a 'tfjs' linalg, else null. */
  backend: BackendName | null;
}

let blasResult: ReturnType<typeof loadBlas> | null = null;

/** The BLAS linalg, loaded once per process (OpenBLAS fixes its thread count when it loads). */
export function blas(threads: number): ReturnType<typeof loadBlas> {
  blasResult ??= loadBlas(threads);
  return blasResult;
}

/** The products `choice` names; a TensorFlow.js backend is kept off wasm where `notWasm` (wasmRefusal's reason) says the run's autodiff cannot use it. */
export async function openLinalg(choice: LinalgChoice, threads: number, backend: BackendChoice, notWasm: string | null = null): Promise<OpenedLinalg> {
  if (choice !== 'tfjs') {
    const loaded = blas(threads);
    if ('linalg' in loaded) return { linalg: loaded.linalg, backend: null };
    if (choice === 'blas') throw new LinalgUnavailableError(`--linalg blas: ${loaded.reason}; use --linalg tfjs`);
  }
  const name = await activateBackend(backend, notWasm);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tfjsLinalg } = require('./tfjs') as typeof import('./tfjs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { linalg: tfjsLinalg(require('@tensorflow/tfjs-core')), backend: name };
}

export type { Linalg, MatrixView } from './types';

/** The name `openLinalg` would give, without starting TensorFlow.js: what the memory guard plans for. */
export function linalgNameFor(choice: LinalgChoice, threads: number): string {
  if (choice === 'tfjs') return 'tfjs';
  const loaded = blas(threads);
  return 'linalg' in loaded ? loaded.linalg.name : 'tfjs';
}

/** `linalg` with a clock: seconds() is the time spent in its products so far. */
export function timedLinalg(linalg: Linalg): Linalg & { seconds(): number } {
  let total = 0n;
  const timed = <A extends unknown[]>(f: (...args: A) => void) => (...args: A) => {
    const start = process.hrtime.bigint();
    try {
      f(...args);
    } finally {
      total += process.hrtime.bigint() - start;
    }
  };
  return {
    name: linalg.name,
    threads: linalg.threads,
    gemm: timed(linalg.gemm.bind(linalg)),
    syrk: timed(linalg.syrk.bind(linalg)),
    seconds: () => Number(total) / 1e9,
  };
}
