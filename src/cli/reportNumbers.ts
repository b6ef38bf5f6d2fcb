/**
 * Numbers in the --json report. JSON has no infinity or NaN, so a report
 * writes them as the strings "inf", "-inf" and "nan" (as Python's float()
 * reads them). A gate written the natural way then fails on a singular
 * kernel in both tools a CI job uses: jq orders strings after every number
 * (`.condition_number <= 1e6` is false for "inf"), and --fail-if reads them
 * back as ±∞ and NaN (NaN trips every gate). null means "not computed here".
 */
export type ReportNumber = number | 'inf' | '-inf' | 'nan' | null;

/** A number rounded to `digits` significant digits (12 by default: float64 noise stays out of the report). */
export function reportNumber(value: number | null | undefined, digits = 12): ReportNumber {
  if (value === null || value === undefined) return null;
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return Number(value.toPrecision(digits));
}

export function reportNumbers(values: ArrayLike<number>, digits = 12): ReportNumber[] {
  return Array.from(values, (v) => reportNumber(v, digits));
}

/** Seconds, to 0.1 ms. */
export function reportSeconds(seconds: number): number {
  return Math.round(seconds * 1e4) / 1e4;
}

/** A report value as a number, for --fail-if: numbers, and the strings reportNumber writes; undefined otherwise. */
export function numberFromReport(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  if (value === 'nan') return NaN;
  return undefined;
}
