/**
 * A V8 code cache for the CommonJS files a command loads (ntk-cli's own ~120 and its
 * dependencies'), so that a run does not compile them again: 10 ms of a default heatmap's 140 ms
 * on this project's machine. Node 22.1 and later do this themselves (`module.enableCompileCache`,
 * used where present); on Node 20 it is done here with `vm.Script`'s cached data.
 *
 * One file per command, so each reads only what it loads: `ntk-cli-<command>-<format>-node<version>-<arch>.bin` in
 * `$NODE_COMPILE_CACHE`, else in `$XDG_CACHE_HOME/ntk-cli` or `~/.cache/ntk-cli`;
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off (Node's own names).
 *
 * What is trusted, and why:
 * - An entry is used only for the same file name and the same source (its CRC-32): V8 itself checks
 *   only the source's length, and would run stale bytecode after an edit of the same length.
 * - Its data must have the CRC-32 it was written with: V8 does not checksum cached data in release
 *   builds, and damaged data can abort the process.
 * - The file and its directory must belong to this user and be writable by nobody else, or another
 *   user could plant bytecode that runs as this one.
 * - Under `--enable-source-maps` or a policy (`--experimental-policy`) Node's own loader does work
 *   this one does not, so the cache is off.
 * Whatever fails to read or write leaves the run uncached, never failed.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import vm = require('node:vm');
import type * as Native from '../native';

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

interface Entry {
  /** CRC-32 of the module's source, and of the data. */
  source: number;
  digest: number;
  data: Buffer;
}

const FORMAT = 'cache3';
const MAGIC = `ntk-cli code ${FORMAT}\n`;

/** How many modules this process compiled from the cache, and how many without it. */
export const compileCacheStats = { hits: 0, misses: 0 };

/**
 * A checksum against edits and damage, not against an attacker (the directory is this user's
 * alone): CRC-32, from the native helper where it is built (loading node:zlib for its crc32 costs
 * a millisecond more, and SHA-1, node:crypto's, two), else from zlib: the same function, so either
 * reads what the other wrote. Node before 20.15 has no zlib.crc32; without the helper it runs uncached.
 */
type Checksum = (data: string | Buffer) => number;
function crc32(): Checksum | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = (require('../native') as typeof Native).nativeHelpers();
    if (typeof native?.crc32 === 'function') return native.crc32;
  } catch {
    // a tree without the modules: zlib's
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:zlib') as { crc32?: Checksum }).crc32;
}

/** $NODE_COMPILE_CACHE, else ntk-cli's directory under the user's cache directory; null without a home. */
function compileCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | null {
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
  // The format's version in the name: two ntk-cli versions side by side must not rewrite each other's file.
  return directory && path.join(directory, `ntk-cli-${command}-${FORMAT}-node${process.version}-${process.arch}.bin`);
}

/** Node's loader does more than compile under these flags (maps stack traces, checks integrity). */
function nodeLoaderNeeded(env: NodeJS.ProcessEnv): boolean {
  const flags = [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' ');
  return /--enable-source-maps|--experimental-policy|--policy-integrity/.test(flags);
}

/**
 * Marks a process whose loader is already cached, process-wide: start-up turns the cache on before
 * it loads the bundle, whose own copy of this module is asked again by cli.ts.
 */
const ENABLED = Symbol.for('ntk-cli compile cache');

/** Cache the code this process compiles; at exit, keep what it compiled if `worthKeeping()` says so (and the run succeeded). */
export function enableCompileCache(command: string, env: NodeJS.ProcessEnv = process.env, worthKeeping: () => boolean = () => true): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as CjsLoader;
  const marked = process as unknown as Record<symbol, boolean>;
  if (env.NODE_DISABLE_COMPILE_CACHE || nodeLoaderNeeded(env) || marked[ENABLED]) return;
  marked[ENABLED] = true;
  if (typeof Module.enableCompileCache === 'function') {
    // Node's own cache, in the same directory (its files are named by Node version and file).
    Module.enableCompileCache(compileCacheDirectory(env) ?? undefined);
    return;
  }
  const file = compileCacheFile(command, env);
  const checksum = file ? crc32() : undefined;
  if (!file || !checksum) return;
  const entries = readCompileCache(file);
  const produced = new Map<string, { script: vm.Script; source: number }>();
  const compileUncached = Module.prototype._compile;
  const mainModule = require.main;
  // Columns on a module's first line as Node reports them, without the wrapper before it.
  const wrapperLength = Module.wrap('\0').indexOf('\0');

  Module.prototype._compile = function compileWithCache(this: CjsModule, content: string, filename: string, format?: string): unknown {
    // Node's own loader for: an ES module (`require` of one, Node 20.19 and later), and a file with
    // import(), which needs vm's importModuleDynamically that Node 20 gives only to its loader.
    if (format === 'module' || /\bimport\s*(\(|\/[*/])/.test(content)) return compileUncached.call(this, content, filename, format);
    const source = checksum(content);
    const entry = entries.get(filename);
    const usable = entry && entry.source === source && checksum(entry.data) === entry.digest ? entry.data : undefined;
    // V8 takes a hashbang only at the very start of a script, and the wrapper comes first.
    const wrapped = Module.wrap(content.startsWith('#!') ? '//' + content : content);
    let script: vm.Script;
    try {
      script = new vm.Script(wrapped, { filename, cachedData: usable, columnOffset: -wrapperLength });
    } catch {
      // ES module syntax in a .js file, which Node's loader detects and loads as one; or a real
      // syntax error, which it reports as it always does.
      return compileUncached.call(this, content, filename, format);
    }
    if (usable && !script.cachedDataRejected) compileCacheStats.hits++;
    else {
      compileCacheStats.misses++;
      produced.set(filename, { script, source });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const module = this;
    const requireFromModule = Object.assign(
      function require(id: string): unknown {
        return module.require(id);
      },
      {
        resolve: Object.assign(
          function resolve(request: string, options?: { paths?: string[] }): string {
            return Module._resolveFilename(request, module, false, options);
          },
          { paths: (request: string) => Module._resolveLookupPaths(request, module) },
        ),
        main: mainModule,
        extensions: Module._extensions,
        cache: Module._cache,
      },
    );
    return wrapper.call(this.exports, this.exports, requireFromModule, this, filename, path.dirname(filename));
  };

  // Made at exit, so the data holds the functions this run compiled too, not only the top level.
  process.once('exit', (code) => {
    if (code === 0 && produced.size > 0 && worthKeeping()) writeCompileCache(file, entries, produced, checksum);
  });
}

/** Whether a file or directory is this user's and writable by no one else (always, where there are no user ids). */
function ownedAlone(stat: fs.Stats): boolean {
  return typeof process.getuid !== 'function' || (stat.uid === process.getuid() && (stat.mode & 0o022) === 0);
}

/** The cache's entries by file name; empty where it is missing, not this user's alone, from another format, or damaged. */
export function readCompileCache(file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  let bytes: Buffer;
  let fd: number | null = null;
  try {
    if (!ownedAlone(fs.statSync(path.dirname(file)))) return entries;
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || !ownedAlone(stat)) return entries;
    bytes = fs.readFileSync(fd);
  } catch {
    return entries;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
  try {
    if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return entries;
    const indexLength = bytes.readUInt32LE(MAGIC.length);
    const indexStart = MAGIC.length + 4;
    const index = JSON.parse(bytes.toString('utf8', indexStart, indexStart + indexLength)) as [string, number, number, number][];
    let offset = indexStart + indexLength;
    for (const [filename, source, digest, length] of index) {
      if (!(Number.isSafeInteger(length) && length >= 0 && offset + length <= bytes.length)) return new Map();
      entries.set(filename, { source, digest, data: bytes.subarray(offset, offset + length) });
      offset += length;
    }
  } catch {
    return new Map();
  }
  return entries;
}

/**
 * This run's entries and the earlier ones whose files still exist, written to a temporary file of
 * its own renamed over the cache (of parallel runs, the last one's stands).
 */
function writeCompileCache(file: string, entries: Map<string, Entry>, produced: Map<string, { script: vm.Script; source: number }>, checksum: Checksum): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const temp = `${file}.${process.pid}-${(require('node:crypto') as typeof import('node:crypto')).randomBytes(6).toString('hex')}.tmp`;
  try {
    for (const [filename, { script, source }] of produced) {
      const data = script.createCachedData();
      entries.set(filename, { source, digest: checksum(data), data });
    }
    const index: [string, number, number, number][] = [];
    const blobs: Buffer[] = [];
    for (const [filename, entry] of entries) {
      if (!produced.has(filename) && !fs.existsSync(filename)) continue;
      index.push([filename, entry.source, entry.digest, entry.data.length]);
      blobs.push(entry.data);
    }
    const indexBytes = Buffer.from(JSON.stringify(index));
    const header = Buffer.alloc(MAGIC.length + 4);
    header.write(MAGIC, 'latin1');
    header.writeUInt32LE(indexBytes.length, MAGIC.length);
    const directory = path.dirname(file);
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    if (!ownedAlone(fs.statSync(directory))) return;
    fs.writeFileSync(temp, Buffer.concat([header, indexBytes, ...blobs]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, file);
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      // never written, or its directory is not one
    }
  }
}
