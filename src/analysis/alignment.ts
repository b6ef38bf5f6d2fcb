/**
 * Kernel–target alignment (Cristianini et al. 2002) with the one-hot label
 * matrix Y, T = Y·Yᵀ (T_ij = 1 when samples i and j share a class):
 *   A(K, T)  = ⟨K, T⟩_F / (‖K‖_F·‖T‖_F),
 * and the centred alignment (Cortes et al. 2012) of HKH and HTH with
 * H = I − 11ᵀ/n. Both need only sums over K, so they are gathered row by row
 * (a kernel too large to hold streams through): with row sums s_i, total S,
 *   ⟨HKH, HTH⟩ = ⟨K, T⟩ − (2/n)·Σ_i s_i·n_{c(i)} + S·Σ_c n_c²/n²,
 *   ‖HKH‖²_F  = ‖K‖²_F − (2/n)·Σ_i s_i² + S²/n²      (K symmetric),
 *   ‖HTH‖²_F  = Σ_c n_c² − (2/n)·Σ_c n_c³ + (Σ_c n_c²)²/n².
 */
import type { Classes } from './labels';

export interface Alignment {
  alignment: number;
  centeredAlignment: number;
}

export class AlignmentAccumulator {
  private kt = 0;
  private kk = 0;
  private readonly rowSums: Float64Array;

  constructor(private readonly classes: Classes) {
    this.rowSums = new Float64Array(classes.index.length);
  }

  /** Add `count` whole rows of the n × n kernel starting at row `start`. */
  addRows(start: number, values: ArrayLike<number>, count: number): void {
    const n = this.classes.index.length;
    const cls = this.classes.index;
    for (let r = 0; r < count; r++) {
      const i = start + r;
      const ci = cls[i];
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const v = values[r * n + j];
        sum += v;
        this.kk += v * v;
        if (cls[j] === ci) this.kt += v;
      }
      this.rowSums[i] = sum;
    }
  }

  result(): Alignment {
    const n = this.classes.index.length;
    const sizes = this.classes.sizes;
    const tt = sizes.reduce((s, c) => s + c * c, 0);
    const cube = sizes.reduce((s, c) => s + c * c * c, 0);
    let total = 0;
    let sumSquares = 0;
    let sumByClass = 0;
    for (let i = 0; i < n; i++) {
      total += this.rowSums[i];
      sumSquares += this.rowSums[i] ** 2;
      sumByClass += this.rowSums[i] * sizes[this.classes.index[i]];
    }
    const centeredKT = this.kt - (2 / n) * sumByClass + (total * tt) / (n * n);
    const centeredKK = this.kk - (2 / n) * sumSquares + (total * total) / (n * n);
    const centeredTT = tt - (2 / n) * cube + (tt * tt) / (n * n);
    return {
      alignment: this.kt / Math.sqrt(this.kk * tt),
      centeredAlignment: centeredKK > 0 && centeredTT > 0 ? centeredKT / Math.sqrt(centeredKK * centeredTT) : NaN,
    };
  }
}

/** The alignments of the n × n kernel `values` (row-major) with `classes`. */
export function kernelAlignment(values: ArrayLike<number>, classes: Classes): Alignment {
  const accumulator = new AlignmentAccumulator(classes);
  accumulator.addRows(0, values, classes.index.length);
  return accumulator.result();
}
