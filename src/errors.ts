/**
 * The kinds of failure, and their exit codes: UsageError (2) for a bad or
 * conflicting flag value, InputError (1) for a file or run that cannot be
 * used. Both carry a one-line message that names the flag or file. The core's
 * own typed errors (a RunConfig it cannot compute, a backend that does not
 * load, …) are input errors too; anything else is a bug and exits 1 as well.
 * A --fail-if gate that trips exits 3 (cli/gates.ts).
 */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export class InputError extends Error {
  readonly exitCode = 1;
}

/** A --fail-if threshold that the run's report crossed (cli/gates.ts): the run worked, the job should fail. */
export class GateError extends Error {
  readonly exitCode = 3;
}

/** Why a file could not be read, in a few words (the system's own message for anything unusual). */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error as Error).message;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof InputError || error instanceof GateError) return error.exitCode;
  return 1;
}
