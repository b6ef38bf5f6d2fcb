/**
 * The activations, one file each: the table of contents. Adding one means a
 * file beside these and a line here; the CLI's choices, its --help text and
 * the infinite-width kernels all come from this list.
 */
import { erf } from './erf';
import { gelu } from './gelu';
import { identity } from './identity';
import { leakyRelu } from './leakyRelu';
import { quadratureDual, type QuadratureOptions } from './quadrature';
import { relu } from './relu';
import { sigmoid } from './sigmoid';
import { sin } from './sin';
import { softplus } from './softplus';
import { DirectPair, PairTable } from './table';
import { tanh } from './tanh';
import type { Activation, DualMap } from './types';

const FIXED: readonly Activation[] = [relu, tanh, erf, gelu, identity, sin, sigmoid, softplus];

/** Every name --activation takes, for --help and messages; leaky_relu also takes a slope, leaky_relu:α. */
export const ACTIVATION_NAMES = [...FIXED.map((a) => a.name), 'leaky_relu[:α]'];

export class UnknownActivationError extends Error {}

/** The activation called `name`: one of the fixed ones, or leaky_relu[:α]. */
export function activation(name: string): Activation {
  const found = FIXED.find((a) => a.name === name);
  if (found) return found;
  const leaky = /^leaky_relu(?::(.+))?$/.exec(name);
  if (leaky) {
    const alpha = leaky[1] === undefined ? 0.01 : Number(leaky[1]);
    if (leaky[1] !== undefined && (leaky[1].trim() === '' || !Number.isFinite(alpha) || alpha < 0 || alpha >= 1)) {
      throw new UnknownActivationError(`leaky_relu:${leaky[1]}: the slope α must be a number in [0, 1)`);
    }
    return leakyRelu(alpha);
  }
  throw new UnknownActivationError(`unknown activation '${name}'; expected one of ${ACTIVATION_NAMES.join(', ')}`);
}

export function isActivation(name: string): boolean {
  try {
    activation(name);
    return true;
  } catch {
    return false;
  }
}

const numeric = new Map<string, DualMap>();

/**
 * The infinite-width maps of an activation: its closed form, or quadrature on
 * interpolation tables of φ and φ′ (kinked ones are evaluated directly).
 */
export function dualMap(act: Activation, options: QuadratureOptions = {}): DualMap {
  if (act.closedForm && !options.force) return act.closedForm;
  const key = `${act.name} ${options.nodes ?? ''}`;
  let map = numeric.get(key);
  if (!map) {
    const smooth = !act.kinks || act.kinks.length === 0;
    const pair = smooth ? new PairTable(act.phi, act.dphi) : new DirectPair(act.phi, act.dphi);
    map = quadratureDual({ pair, kinks: act.kinks }, options);
    numeric.set(key, map);
  }
  return map;
}

/** How the infinite-width kernel of an activation is computed, for reports. */
export function dualMethod(act: Activation, options: QuadratureOptions = {}): string {
  if (act.closedForm && !options.force) return 'closed form';
  return options.nodes ? `quadrature (${options.nodes} nodes per axis)` : 'quadrature (adaptive trapezoid)';
}

export type { Activation, DualMap } from './types';
export type { QuadratureOptions } from './quadrature';
