/**
 * The one coordinate a set of inputs varies along, when there is one: the
 * value itself for 1-D inputs or inputs that vary in a single column (a
 * grid), the angle for points on a circle in the first two coordinates with
 * every other coordinate fixed (`circle:N`). Charts draw predictions against
 * it; inputs without one are drawn by index.
 */
import type { Samples } from '../types';

export interface InputCoordinate {
  label: string;
  test: number[];
  train: number[];
}

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';
const subscript = (j: number) => String(j).replace(/\d/g, (d) => SUBSCRIPTS[Number(d)]);

function column(s: Samples, j: number): number[] {
  return Array.from({ length: s.count }, (_, i) => s.values[i * s.dim + j]);
}

function varies(values: number[]): boolean {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return hi - lo > 1e-6 * Math.max(1, Math.abs(lo), Math.abs(hi));
}

export function inputCoordinate(test: Samples, train: Samples): InputCoordinate | null {
  if (test.count < 2 || test.dim !== train.dim) return null;
  const varying = Array.from({ length: test.dim }, (_, j) => j).filter((j) => varies(column(test, j)));
  if (varying.length === 1) {
    const j = varying[0];
    return { label: test.dim === 1 ? 'x' : `x${subscript(j)}`, test: column(test, j), train: column(train, j) };
  }
  if (varying.length === 2 && varying[0] === 0 && varying[1] === 1 && test.count >= 3) {
    const radii = column(test, 0).map((x, i) => Math.hypot(x, test.values[i * test.dim + 1]));
    if (radii[0] > 0 && !varies(radii)) {
      const angle = (s: Samples) => Array.from({ length: s.count }, (_, i) => Math.atan2(s.values[i * s.dim + 1], s.values[i * s.dim]));
      return { label: 'angle of (x₀, x₁)', test: angle(test), train: angle(train) };
    }
  }
  return null;
}
