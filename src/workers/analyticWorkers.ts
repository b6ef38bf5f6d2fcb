/**
 * Infinite-width kernels on worker threads (quadrature, or the pixel pairs of
 * a CNN): each pair of inputs runs through the layers on its own (given the
 * diagonals every row shares), so `threads` workers claim blocks of rows from
 * a shared counter and write them into shared memory, with no other
 * communication.
 */
import path = require('node:path');
import { Worker } from 'node:worker_threads';
import { analyticPlan, finishAnalytic, mirrorUpper, type AnalyticSpec, type InfiniteSpec } from '../kernel/analytic';
import type { Samples } from '../types';

export interface AnalyticJob {
  plan: ReturnType<typeof analyticPlan>;
  nngp: Float64Array;
  ntk: Float64Array;
  /** [rows claimed]. */
  counter: Int32Array;
  blockRows: number;
}

const BLOCK_ROWS = 8;

export async function analyticKernelsOnWorkers(spec: AnalyticSpec | InfiniteSpec, x: Samples, y: Samples | null, threads: number): Promise<{ nngp: Float64Array; ntk: Float64Array }> {
  const plan = analyticPlan(spec, x, y);
  const n = x.count;
  const m = y ? y.count : n;
  const job: AnalyticJob = {
    plan,
    nngp: new Float64Array(new SharedArrayBuffer(n * m * 8)),
    ntk: new Float64Array(new SharedArrayBuffer(n * m * 8)),
    counter: new Int32Array(new SharedArrayBuffer(4)),
    blockRows: BLOCK_ROWS,
  };
  const workers = Array.from({ length: Math.max(1, Math.min(threads, Math.ceil(n / BLOCK_ROWS))) }, () => new Worker(path.join(__dirname, 'analyticWorker.js')));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (message: { error?: string }) => (message.error ? reject(new Error(message.error)) : resolve()));
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`analytic worker exited with code ${code}`))));
            worker.postMessage(job);
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const nngp = Float64Array.from(job.nngp);
  const ntk = Float64Array.from(job.ntk);
  if (!y) {
    mirrorUpper(nngp, n);
    mirrorUpper(ntk, n);
  }
  return finishAnalytic(plan.spec, { nngp, ntk }, n, m);
}
