/**
 * Inputs with structure, named on the command line as `--inputs circle:N` or
 * `sphere:N`:
 *   circle:N  N points on the unit circle, θ_i = 2πi/N, in the first two
 *             coordinates (the others zero);
 *   sphere:N  N points uniform on the unit sphere of R^d: the rows of
 *             torch.randn(N, d) (drawn where the seed's inputs would be),
 *             each divided by its norm.
 */
import type { Samples } from '../types';

export const GENERATED_SOURCES = ['circle', 'sphere'] as const;
export type GeneratedSource = (typeof GENERATED_SOURCES)[number];

/** `circle:N` or `sphere:N` as its parts, or null for a file name. */
/** `circle:N` or `sphere:N` (count NaN when N is not a whole number), or null for anything else (a file name). */
export function parseGenerated(spec: string): { kind: GeneratedSource; count: number } | null {
  const match = /^(circle|sphere):(.*)$/.exec(spec.trim());
  if (!match) return null;
  const count = /^\d+$/.test(match[2].trim()) ? Number(match[2]) : NaN;
  return { kind: match[1] as GeneratedSource, count };
}

export function circle(count: number, dim: number): Samples {
  if (dim < 2) throw new RangeError('points on a circle need at least 2 input dimensions');
  const values = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const theta = (2 * Math.PI * i) / count;
    values[i * dim] = Math.cos(theta);
    values[i * dim + 1] = Math.sin(theta);
  }
  return { values, count, dim };
}

/** Normalise `gaussian` (count × dim standard normals) row by row. */
export function sphere(gaussian: Float32Array, count: number, dim: number): Samples {
  const values = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += gaussian[i * dim + k] ** 2;
    norm = Math.sqrt(norm);
    for (let k = 0; k < dim; k++) values[i * dim + k] = gaussian[i * dim + k] / norm;
  }
  return { values, count, dim };
}
