/**
 * Two savings on every run's first and last milliseconds, where `ntk-cli --help` spends most of
 * what it adds to Node's own start-up (measured, interleaved: 59.1 ms before, 57.8 after, against
 * `node -e 0`'s 48.2).
 *
 * - commander loads node:child_process when it loads, for executable subcommands, which ntk-cli
 *   has none of. Loading it compiles Node's child_process module and those it brings (dgram, and
 *   net where stdout is not a pipe): 1.7 ms timed inside the process. It is handed a stand-in that
 *   loads the real module on first use instead.
 * - At a natural exit Node tears its heap down page by page; a run whose work is done and whose
 *   output is written exits at once instead.
 */
import * as path from 'node:path';

interface CjsLoader {
  _load(request: string, parent: { filename?: string } | null, isMain: boolean): unknown;
}

/** Until the returned function is called, commander's `require('node:child_process')` gets a stand-in that loads it when used. */
export function deferCommanderChildProcess(): () => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loader = require('node:module') as CjsLoader;
  const load = loader._load;
  const commanderFiles = `${path.sep}commander${path.sep}`;
  loader._load = function loadDeferringChildProcess(request, parent, isMain) {
    if ((request === 'node:child_process' || request === 'child_process') && parent?.filename?.includes(commanderFiles)) {
      let real: Record<string | symbol, unknown> | undefined;
      return new Proxy({}, { get: (_target, key) => (real ??= load.call(loader, request, parent, false) as Record<string | symbol, unknown>)[key] });
    }
    return load.call(loader, request, parent, isMain);
  };
  return () => {
    loader._load = load;
  };
}

/**
 * End the process with `code`: once the event loop has turned (a failed write to stderr, EPIPE,
 * reports itself then, and ends the run with 1 as it always did), at once if nothing is left to
 * write on stdout or stderr (pipes are written asynchronously on macOS), else when Node finishes
 * writing it.
 */
export function exitWhenWritten(code: number): void {
  process.exitCode = code;
  setImmediate(() => {
    if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(process.exitCode);
  });
}
