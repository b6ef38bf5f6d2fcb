/** One pass over values: the range of the finite ones and how many are NaN or ±Inf. */

export interface ValueScan {
  /** Smallest and largest finite value (Infinity and −Infinity when there is none). */
  min: number;
  max: number;
  nan: number;
  infinite: number;
}

export function emptyScan(): ValueScan {
  return { min: Infinity, max: -Infinity, nan: 0, infinite: 0 };
}

/** Add values[start … end) to `scan` (in place; returns it). */
export function scanInto(scan: ValueScan, values: ArrayLike<number>, start = 0, end = values.length): ValueScan {
  let { min, max, nan, infinite } = scan;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (v !== v) nan++;
    else if (v === Infinity || v === -Infinity) infinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  Object.assign(scan, { min, max, nan, infinite });
  return scan;
}

export function scanValues(values: ArrayLike<number>): ValueScan {
  return scanInto(emptyScan(), values);
}

/** [min, max] of the finite values, or null when there are none. */
export function finiteRange(values: ArrayLike<number>): [number, number] | null {
  const { min, max } = scanValues(values);
  return min <= max ? [min, max] : null;
}
