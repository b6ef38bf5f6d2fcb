/**
 * The activations, one file each: the table of contents. Adding one means a
 * file beside these and a line here; the CLI's choices, its --help text and
 * the infinite-width checks all come from this list.
 */
import { erf } from './erf';
import { gelu } from './gelu';
import { identity } from './identity';
import { relu } from './relu';
import { tanh } from './tanh';
import type { Activation } from './types';

const ALL: readonly Activation[] = [relu, tanh, erf, gelu, identity];

export const ACTIVATION_NAMES = ALL.map((a) => a.name);
export type ActivationName = string;

export class UnknownActivationError extends Error {}

export function activation(name: string): Activation {
  const found = ALL.find((a) => a.name === name);
  if (!found) throw new UnknownActivationError(`unknown activation '${name}'; expected one of ${ACTIVATION_NAMES.join(', ')}`);
  return found;
}

/** The activations with an infinite-width kernel. */
export const ANALYTIC_ACTIVATION_NAMES = ALL.filter((a) => a.dual !== null).map((a) => a.name);

export type { Activation, DualMap } from './types';
