/**
 * How the kernels of several output channels combine:
 *   sum   ⟨J(x), J(x')⟩ over all outputs (the Frobenius inner product of the
 *         Jacobians), an n × m matrix;
 *   mean  the same divided by the number of outputs o, neural-tangents'
 *         `trace_axes` convention for an NTK that does not grow with o;
 *   none  the whole kernel, an (n·o) × (m·o) matrix whose row i·o + a holds
 *         output a of sample i (PyTorch's NTK tutorial with compute='full',
 *         neural-tangents with trace_axes=()).
 */
export const TRACES = ['sum', 'mean', 'none'] as const;
export type Trace = (typeof TRACES)[number];

/** The factor a traced kernel is multiplied by ('none' is not traced). */
export function traceScale(trace: Trace, outputDim: number): number {
  return trace === 'mean' ? 1 / outputDim : 1;
}

/** How many rows each sample takes in the kernel. */
export function rowsPerSample(trace: Trace, outputDim: number): number {
  return trace === 'none' ? outputDim : 1;
}
