/**
 * A V8 code cache for the CommonJS files a command loads (ntk-cli's own ~120 and its
 * dependencies'), so that a run does not compile them again: 12 ms of a default heatmap's 137 ms
 * on this project's machine. Node 22.1 and later do this themselves (`module.enableCompileCache`,
 * used where present); on Node 20 it is done here with `vm.Script`'s cached data.
 *
 * One file per command, so each reads only what it loads: `ntk-cli-<command>-<node>-<arch>.bin` in
 * `$NODE_COMPILE_CACHE`, else in `$XDG_CACHE_HOME/ntk-cli` or `~/.cache/ntk-cli`;
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off (Node's own names). An entry is used only for the
 * same path, size, inode, and modification and change times: V8 itself checks only the source's
 * length, and would run stale bytecode after an edit of the same length; it rejects data made by
 * another V8 or under other flags. Whatever fails to read or write leaves the run uncached, never
 * failed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

/** The parts of node:module's CommonJS loader this replaces one method of (lib/internal/modules/cjs/loader.js). */
interface CjsModule {
  exports: unknown;
  filename: string;
  require(id: string): unknown;
  _compile(content: string, filename: string, format?: string): unknown;
}
interface CjsLoader {
  prototype: CjsModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CjsModule, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: CjsModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
  enableCompileCache?: (directory?: string) => unknown;
}

/** What identifies a file's version: a rewrite changes its ctime, which, unlike its mtime, cannot be set back. */
type Version = [size: number, mtimeMs: number, ctimeMs: number, ino: number];

interface Entry {
  version: Version;
  data: Buffer;
}

const MAGIC = 'ntk-cli code cache 1\n';

/** How many modules this process compiled from the cache, and how many without it. */
export const compileCacheStats = { hits: 0, misses: 0 };

/** $NODE_COMPILE_CACHE, else ntk-cli's directory under the user's cache directory; null without a home. */
export function compileCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.NODE_COMPILE_CACHE) return env.NODE_COMPILE_CACHE;
  let root: string;
  try {
    root = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  } catch {
    return null; // no home directory (a user without a passwd entry)
  }
  return path.isAbsolute(root) ? path.join(root, 'ntk-cli') : null;
}

export function compileCacheFile(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const directory = compileCacheDirectory(env);
  return directory && path.join(directory, `ntk-cli-${command}-${process.version}-${process.arch}.bin`);
}

export function enableCompileCache(command: string, env: NodeJS.ProcessEnv = process.env): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as CjsLoader;
  if (env.NODE_DISABLE_COMPILE_CACHE) return;
  if (typeof Module.enableCompileCache === 'function') {
    // Node's own cache, in the same directory (its files are named by Node version and file).
    Module.enableCompileCache(compileCacheDirectory(env) ?? undefined);
    return;
  }
  const file = compileCacheFile(command, env);
  if (!file) return;
  const entries = readCompileCache(file);
  const produced = new Map<string, { script: vm.Script; version: Version }>();
  const compileUncached = Module.prototype._compile;
  const mainModule = require.main;

  Module.prototype._compile = function compileWithCache(this: CjsModule, content: string, filename: string, format?: string): unknown {
    // Node's own loader for: an ES module (`require` of one, Node 20.19 and later), and a file with
    // import(), which needs vm's importModuleDynamically that Node 20 gives only to its loader.
    if (format === 'module' || content.includes('import(')) return compileUncached.call(this, content, filename, format);
    const stat = fs.statSync(filename, { throwIfNoEntry: false });
    const version: Version | null = stat ? [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino] : null;
    const entry = entries.get(filename);
    const usable = version && entry && entry.version.every((v, i) => v === version[i]) ? entry.data : undefined;
    // V8 takes a hashbang only at the very start of a script, and the wrapper comes first.
    const source = Module.wrap(content.startsWith('#!') ? '//' + content : content);
    let script: vm.Script;
    try {
      script = new vm.Script(source, { filename, cachedData: usable });
    } catch {
      // ES module syntax in a .js file, which Node's loader detects and loads as one; or a real
      // syntax error, which it reports as it always does.
      return compileUncached.call(this, content, filename, format);
    }
    if (usable && !script.cachedDataRejected) compileCacheStats.hits++;
    else {
      compileCacheStats.misses++;
      if (version) produced.set(filename, { script, version });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const requireFromModule = Object.assign((id: string) => this.require(id), {
      resolve: Object.assign((request: string, options?: { paths?: string[] }) => Module._resolveFilename(request, this, false, options), {
        paths: (request: string) => Module._resolveLookupPaths(request, this),
      }),
      main: mainModule,
      extensions: Module._extensions,
      cache: Module._cache,
    });
    return wrapper.call(this.exports, this.exports, requireFromModule, this, filename, path.dirname(filename));
  };

  // Made at exit, so the data holds the functions this run compiled too, not only the top level.
  process.once('exit', (code) => {
    if (code === 0 && produced.size > 0) writeCompileCache(file, entries, produced);
  });
}

/** The cache's entries by file name; empty where it is missing, from another format, or damaged. */
export function readCompileCache(file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return entries;
  }
  try {
    if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return entries;
    const indexLength = bytes.readUInt32LE(MAGIC.length);
    const indexStart = MAGIC.length + 4;
    const index = JSON.parse(bytes.toString('utf8', indexStart, indexStart + indexLength)) as [string, Version, number][];
    let offset = indexStart + indexLength;
    for (const [filename, version, length] of index) {
      if (offset + length > bytes.length || version.length !== 4) return new Map();
      entries.set(filename, { version, data: bytes.subarray(offset, offset + length) });
      offset += length;
    }
  } catch {
    return new Map();
  }
  return entries;
}

/** The old entries and this run's, written to a temporary file renamed over the cache (parallel runs: the last one's stands). */
function writeCompileCache(file: string, entries: Map<string, Entry>, produced: Map<string, { script: vm.Script; version: Version }>): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    for (const [filename, { script, version }] of produced) entries.set(filename, { version, data: script.createCachedData() });
    const index: [string, Version, number][] = [];
    const blobs: Buffer[] = [];
    for (const [filename, entry] of entries) {
      index.push([filename, entry.version, entry.data.length]);
      blobs.push(entry.data);
    }
    const indexBytes = Buffer.from(JSON.stringify(index));
    const header = Buffer.alloc(MAGIC.length + 4);
    header.write(MAGIC, 'latin1');
    header.writeUInt32LE(indexBytes.length, MAGIC.length);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, Buffer.concat([header, indexBytes, ...blobs]), { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      // never written, or its directory is not one
    }
  }
}
