/** The structured kernel as one in-memory matrix: what experiments that compare kernels need. */
import type { Linalg } from '../linalg/types';
import type { Network } from '../model/network';
import type { Samples } from '../types';
import { MatrixSink } from './sink';
import { runTiles, structuredKernel } from './structured';
import { tileSideFor } from './tiles';
import type { Trace } from './trace';

/** Θ(X, Y) (Y = X when null), row-major [X.count × Y.count]. */
export function kernelMatrix(model: Network, x: Samples, y: Samples | null, linalg: Linalg, trace: Trace = 'sum'): Float32Array {
  const sink = new MatrixSink(x.count, y ? y.count : x.count);
  runTiles(structuredKernel(model, x, y, linalg, sink, { trace, tile: tileSideFor(linalg.name) }));
  return sink.matrix;
}
