/**
 * Preloaded with `node -r` to run the CLI as on a machine where the nblas
 * binding did not build: requiring it fails as a missing module does.
 */
import Module from 'node:module';

const resolve = (Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string })._resolveFilename;
(Module as unknown as { _resolveFilename: typeof resolve })._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (request === 'nblas') {
    const error = new Error(`Cannot find module '${request}'`) as NodeJS.ErrnoException;
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
