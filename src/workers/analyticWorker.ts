/** One worker thread of analyticWorkers.ts: claims blocks of rows and computes them in place. */
import { parentPort } from 'node:worker_threads';
import { analyticRows } from '../kernel/analytic';
import type { AnalyticJob } from './analyticWorkers';

if (parentPort) {
  parentPort.once('message', (job: AnalyticJob) => {
    try {
      const n = job.plan.x.count;
      const m = job.plan.y ? job.plan.y.count : n;
      for (;;) {
        const r0 = Atomics.add(job.counter, 0, job.blockRows);
        if (r0 >= n) break;
        const r1 = Math.min(n, r0 + job.blockRows);
        analyticRows(job.plan, r0, r1, job.nngp.subarray(r0 * m, r1 * m), job.ntk.subarray(r0 * m, r1 * m));
      }
      parentPort!.postMessage({});
    } catch (error) {
      parentPort!.postMessage({ error: (error as Error).message });
    }
  });
}
