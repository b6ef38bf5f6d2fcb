/**
 * Parsers for flag values. Each rejects a bad value with commander's
 * InvalidArgumentError, which commander reports naming the flag (exit 2).
 */
import { finiteWidth, INFINITE_WIDTH, type Width } from '../model/architecture';
import { InvalidArgumentError } from 'commander';

/** Upper bounds that keep a run within a 64-bit address space's reach; the memory guard is separate. */
export const LIMITS = { width: 1 << 20, depth: 1000, inputDim: 1 << 24, outputDim: 4096, samples: 1 << 20, threads: 256 };

/** A whole number in [min, max], written in plain decimal digits. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A finite decimal number, optionally bounded below (exclusive). */
export function finiteNumber(greaterThan = -Infinity): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(n) || !(n > greaterThan)) {
      throw new InvalidArgumentError(greaterThan === -Infinity ? 'expected a finite number.' : `expected a finite number above ${greaterThan}.`);
    }
    return n;
  };
}

export function nonNegativeNumber(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a finite number ≥ 0.');
  return n;
}

const MAX_SEED = 0xffffffffffffffffn;

/** Seeds as torch.manual_seed takes them: 0 … 2⁶⁴−1. */
export function parseSeed(value: string): bigint {
  if (!/^\d+$/.test(value.trim()) || BigInt(value.trim()) > MAX_SEED) {
    throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_SEED}.`);
  }
  return BigInt(value.trim());
}

/** A hidden width: a whole number, or inf (the infinite-width limit). */
export function parseWidth(value: string): Width {
  if (/^(inf|infinity)$/i.test(value.trim())) return INFINITE_WIDTH;
  try {
    return finiteWidth(wholeNumber(1, LIMITS.width)(value));
  } catch {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${LIMITS.width}, or inf.`);
  }
}

/** A comma-separated list of widths, in increasing order; `atLeastTwo` for a sweep that fits a slope across them. */
export function widthList(atLeastTwo: boolean): (value: string) => number[] {
  const parse = wholeNumber(1, LIMITS.width);
  return (value) => {
    const widths = [...new Set(value.split(',').map((v) => parse(v)))].sort((a, b) => a - b);
    if (atLeastTwo && widths.length < 2) throw new InvalidArgumentError('expected at least two different widths, e.g. 16,64,256,1024,4096.');
    return widths;
  };
}

/** START:END, whole numbers with START < END. */
export function parseRange(value: string): [number, number] {
  const match = /^(\d+):(\d+)$/.exec(value.trim());
  const range: [number, number] | null = match ? [Number(match[1]), Number(match[2])] : null;
  if (!range || !(range[0] < range[1]) || !range.every(Number.isSafeInteger)) {
    throw new InvalidArgumentError('expected START:END, whole numbers with START < END, e.g. 0:5000.');
  }
  return range;
}

/** --task i/N (0 ≤ i < N) or 'slurm' (the job array's own task). */
export function parseTask(value: string): { index: number; count: number } | 'slurm' {
  if (value.trim() === 'slurm') return 'slurm';
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(count) && count >= 1 && index < count)) {
    throw new InvalidArgumentError("expected i/N (task i of N, 0 ≤ i < N, e.g. 0/8) or 'slurm' (the Slurm job array's task).");
  }
  return { index, count };
}

/** WIDTHxHEIGHT in pixels. */
export function parseSize(value: string): [number, number] {
  const match = /^(\d+)x(\d+)$/i.exec(value.trim());
  const size: [number, number] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!size.every((v) => Number.isSafeInteger(v) && v >= 64 && v <= 16384)) {
    throw new InvalidArgumentError('expected WIDTHxHEIGHT in pixels, each from 64 to 16384, e.g. 1280x960.');
  }
  return size;
}
