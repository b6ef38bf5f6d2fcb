/**
 * How the kernels of several output channels combine into one matrix:
 * `sum` is ⟨J(x), J(x')⟩ over all outputs (the Frobenius inner product of the
 * Jacobians); `mean` divides by the number of outputs, neural-tangents'
 * `trace_axes` convention for an NTK that does not grow with the output count.
 */
export const TRACES = ['sum', 'mean'] as const;
export type Trace = (typeof TRACES)[number];

export function traceScale(trace: Trace, outputDim: number): number {
  return trace === 'mean' ? 1 / outputDim : 1;
}
