/**
 * Samples grouped by class: the classes in order (numbers ascending when all
 * labels are numbers, names alphabetically otherwise), the stable permutation
 * that sorts samples by class, and where each class starts.
 */
export interface Classes {
  /** The class names, in order. */
  names: string[];
  /** Each sample's class index. */
  index: Int32Array;
  /** Samples per class. */
  sizes: number[];
}

export function classesOf(labels: string[]): Classes {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  // Whole numbers compare exactly (64-bit labels above 2⁵³ are neighbours as doubles).
  const integers = numeric && distinct.every((l) => /^\s*[-+]?\d+\s*$/.test(l));
  const byValue = integers ? (a: string, b: string) => { const [x, y] = [BigInt(a.trim()), BigInt(b.trim())]; return x < y ? -1 : x > y ? 1 : 0; } : (a: string, b: string) => Number(a) - Number(b);
  const names = numeric ? distinct.sort(byValue) : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const position = new Map(names.map((n, k) => [n, k]));
  const index = Int32Array.from(labels, (l) => position.get(l)!);
  const sizes = names.map(() => 0);
  for (const k of index) sizes[k]++;
  return { names, index, sizes };
}

/** The order that lists samples class by class, keeping their order within a class. */
export function sortByClass(classes: Classes): Int32Array {
  const order = Array.from(classes.index.keys());
  order.sort((a, b) => classes.index[a] - classes.index[b] || a - b);
  return Int32Array.from(order);
}

/** Where each class after the first starts, once sorted. */
export function classBoundaries(classes: Classes): number[] {
  const boundaries: number[] = [];
  let at = 0;
  for (let k = 0; k + 1 < classes.sizes.length; k++) {
    at += classes.sizes[k];
    boundaries.push(at);
  }
  return boundaries;
}

/** K[p_i, p_j]: the matrix with rows and columns in the order `order`. */
export function permuteSymmetric(values: ArrayLike<number>, n: number, order: Int32Array): Float32Array | Float64Array {
  const out = values instanceof Float64Array ? new Float64Array(n * n) : new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = order[i] * n;
    for (let j = 0; j < n; j++) out[i * n + j] = values[row + order[j]];
  }
  return out;
}
