/**
 * A stratified, seeded subset of labelled rows: each class keeps its share of
 * `count` (largest remainders first, ties by class order), the rows of a class
 * chosen by a Fisher–Yates shuffle driven by the seeded mt19937, and the
 * chosen rows kept in their original order.
 */
import { TorchGenerator } from '../model/torchRandom';

export function stratifiedRows(labels: string[], count: number, seed: bigint): number[] {
  const classes = [...new Set(labels)];
  const members = classes.map((c) => labels.flatMap((l, i) => (l === c ? [i] : [])));
  const exact = members.map((m) => (m.length * count) / labels.length);
  const take = exact.map(Math.floor);
  const order = exact.map((e, k) => [e - Math.floor(e), k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let left = count - take.reduce((a, b) => a + b, 0), k = 0; left > 0; left--, k++) take[order[k % order.length][1]]++;
  const generator = new TorchGenerator(seed);
  const chosen: number[] = [];
  members.forEach((rows, k) => {
    const pool = [...rows];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = generator.random() % (i + 1);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    chosen.push(...pool.slice(0, Math.min(take[k], pool.length)));
  });
  return chosen.sort((a, b) => a - b);
}
