/**
 * The two kinds of failure a user can cause, and their exit codes:
 * UsageError (2) for a bad or conflicting flag value, InputError (1) for a
 * file or run that cannot be used. Both carry a one-line message that names
 * the flag or file.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export class InputError extends Error {
  readonly exitCode = 1;
}
