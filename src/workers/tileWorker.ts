/**
 * One worker thread of tileWorkers.ts, with its own TensorFlow.js backend
 * (wasm or cpu; never node). Factor blocks, then tiles, are claimed from
 * shared counters and computed with the same code the in-process path runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tfjsLinalg } from '../linalg/tfjs';
import type { Linalg } from '../linalg/types';
import { activateBackend, tfCore } from '../tfjs/backend';
import type { MatrixView, Samples } from '../types';
import { layerFactors, type Factors } from '../kernel/factors';
import { openSharedSink } from '../kernel/sink';
import { mirroredStats } from '../kernel/stats';
import { computeTile, TileScratch } from '../kernel/structured';
import type { WorkerMessage, WorkerSetup } from './tileWorkers';

function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

/** Rows [start, start + block.rows) of `target` from a block's own matrix. */
function place(target: MatrixView, block: MatrixView, start: number): void {
  target.data.set(block.data.subarray(0, block.rows * block.cols), start * block.cols);
}

/** Claim row blocks of `samples` and fill their rows of `target`. */
function computeFactors(setup: WorkerSetup, linalg: Linalg, samples: Samples, target: Factors, counterIndex: number): void {
  const blocks = Math.ceil(samples.count / setup.blockRows);
  for (;;) {
    const b = Atomics.add(setup.counters, counterIndex, 1);
    if (b >= blocks) return;
    const start = b * setup.blockRows;
    const end = Math.min(samples.count, start + setup.blockRows);
    const block = { values: samples.values.subarray(start * samples.dim, end * samples.dim), count: end - start, dim: samples.dim };
    const factors = layerFactors(setup.model, block, linalg);
    factors.terms.forEach((term, k) => {
      const shared = target.terms[k];
      if (term.kind === 'product' && shared.kind === 'product') {
        place(shared.inputs, term.inputs, start);
        if (term.gradients && shared.gradients) place(shared.gradients, term.gradients, start);
      } else if (term.kind === 'gram' && shared.kind === 'gram') place(shared.jacobian, term.jacobian, start);
    });
  }
}

function run(setup: WorkerSetup, linalg: Linalg): void {
  computeFactors(setup, linalg, setup.x, setup.factorsX, 0);
  if (setup.y && setup.factorsY) computeFactors(setup, linalg, setup.y, setup.factorsY, 2);
  post({ type: 'factors-done' });
  // Wait until every worker has finished its factor blocks (the main thread stores 1 in counters[3]).
  Atomics.wait(setup.counters, 3, 0);
  const sink = openSharedSink(setup.sink);
  const fx = setup.factorsX;
  const fy = setup.factorsY ?? fx;
  const scratch = new TileScratch(setup.tile);
  const count = setup.tiles.length / 4;
  for (;;) {
    const t = Atomics.add(setup.counters, 1, 1);
    if (t >= count) break;
    const [r0, r1, c0, c1] = setup.tiles.subarray(t * 4, t * 4 + 4);
    const tile = { r0, r1, c0, c1 };
    const diagonal = setup.symmetric && r0 === c0;
    const target = { data: scratch.get('out'), rows: r1 - r0, cols: c1 - c0 };
    const computed = computeTile(fx, fy, setup.outputs, tile, diagonal, linalg, scratch, setup.scale, target);
    sink.writeBlock(r0, c0, target, false);
    const mirrored = setup.symmetric && !diagonal;
    if (mirrored) sink.writeBlock(c0, r0, target, true);
    post({ type: 'tile-done', cells: (r1 - r0) * (c1 - c0) * (mirrored ? 2 : 1), stats: mirroredStats(computed, mirrored) });
  }
  post({ type: 'done' });
}

if (parentPort) {
  // Start the backend at once, while the main thread prepares the setup.
  const backend = (workerData as { backend: 'wasm' | 'cpu' }).backend;
  const ready = activateBackend(backend).then(() => tfjsLinalg(tfCore()));
  ready.catch(() => undefined); // reported below
  parentPort.once('message', (setup: WorkerSetup) => {
    ready.then((linalg) => run(setup, linalg)).catch((error: Error) => post({ type: 'error', message: error.message }));
  });
}
