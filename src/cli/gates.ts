/**
 * `--fail-if 'KEY OP NUMBER'`: a threshold on a number of the run's report,
 * for CI jobs that should fail when a kernel turns bad. KEY is a path into
 * the --json object (`condition_number`, `kernel.min`, `mean[-1]`: dots for
 * keys, [i] for list entries, negative from the end); OP is one of
 * < <= > >= == !=. A tripped gate exits 3 after every output is written and
 * the report printed, so the job keeps its artifacts.
 */
import { InvalidArgumentError } from 'commander';
import { GateError, UsageError } from '../errors';
import { numberFromReport, reportNumber } from './reportNumbers';

export const COMPARISONS = ['<=', '>=', '==', '!=', '<', '>'] as const;
type Comparison = (typeof COMPARISONS)[number];

export interface Gate {
  text: string;
  /** KEY as written. */
  key: string;
  path: (string | number)[];
  op: Comparison;
  threshold: number;
}

const GATE = /^\s*([A-Za-z_][\w.[\]-]*?)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$/;

function parsePath(key: string): (string | number)[] | null {
  const path: (string | number)[] = [];
  for (const part of key.split('.')) {
    const match = /^([A-Za-z_]\w*)((?:\[-?\d+\])*)$/.exec(part);
    if (!match) return null;
    path.push(match[1]);
    for (const index of match[2].matchAll(/\[(-?\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

/** commander's parser for a repeated --fail-if: each value is checked now, before any work. */
export function parseGate(text: string, earlier: Gate[] = []): Gate[] {
  const match = GATE.exec(text);
  const path = match ? parsePath(match[1]) : null;
  const threshold = match ? Number(match[3]) : NaN;
  if (!match || !path || !Number.isFinite(threshold) || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(match[3])) {
    throw new InvalidArgumentError(`expected KEY OP NUMBER, e.g. 'condition_number > 1e6' (OP: ${COMPARISONS.join(' ')})`);
  }
  return [...earlier, { text: text.trim(), key: match[1], path, op: match[2] as Comparison, threshold }];
}

function lookUp(report: unknown, path: (string | number)[]): unknown {
  let at: unknown = report;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(at)) return undefined;
      at = at[step < 0 ? at.length + step : step];
    } else {
      if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
      at = (at as Record<string, unknown>)[step];
    }
  }
  return at;
}

function holds(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** The report's top-level keys that hold numbers (or lists and objects of them), for the message when a key is not there. */
function reportKeys(report: Record<string, unknown>): string {
  return Object.keys(report)
    .filter((key) => numberFromReport(report[key]) !== undefined || (typeof report[key] === 'object' && report[key] !== null))
    .join(', ');
}

/** Throw GateError naming every gate that holds (UsageError for a key that names no number). */
export function checkGates(report: Record<string, unknown>, gates: Gate[] | undefined): void {
  const tripped: string[] = [];
  for (const gate of gates ?? []) {
    const value = numberFromReport(lookUp(report, gate.path));
    if (value === undefined) {
      throw new UsageError(`--fail-if '${gate.text}': the report has no number there (its keys: ${reportKeys(report)}; see --json)`);
    }
    // NaN compares false with everything: a kernel that went NaN trips any gate on it. "inf" is +∞,
    // so a singular kernel's condition number is above every threshold.
    if (Number.isNaN(value) || holds(value, gate.op, gate.threshold)) tripped.push(`'${gate.text}' holds: ${gate.key} is ${Number.isFinite(value) ? value : reportNumber(value)}`);
  }
  if (tripped.length) throw new GateError(`--fail-if ${tripped.join('; ')}`);
}
