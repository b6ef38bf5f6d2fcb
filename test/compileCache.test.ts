/**
 * The code cache a command's run keeps of its compiled modules (src/cli/compileCache.ts): used on
 * the next run, never stale, and never a reason for a run to fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { compileCacheFile, readCompileCache } from '../src/cli/compileCache';
import { ROOT, runCli, tempDir } from './helpers';

const COMPILE_CACHE = path.join(ROOT, 'dist', 'src', 'cli', 'compileCache.js');

/** A child process that turns the cache on (as the command `probe`) and requires `modules`; what they export, and the cache's counts. */
function probe(cacheDir: string, modules: string[], env: Record<string, string> = {}): { exports: unknown[]; hits: number; misses: number } {
  const script = `const cache = require(${JSON.stringify(COMPILE_CACHE)});
cache.enableCompileCache('probe');
const exports = ${JSON.stringify(modules)}.map((m) => require(m));
console.log(JSON.stringify({ exports, ...cache.compileCacheStats }));`;
  const run = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '', NODE_COMPILE_CACHE: cacheDir, ...env } });
  assert.equal(run.status, 0, run.stderr.toString());
  return JSON.parse(run.stdout.toString());
}

test("a second run compiles its modules from the cache the first one wrote", () => {
  const dir = tempDir();
  const modules = [path.join(ROOT, 'dist', 'src', 'render', 'colormaps.js'), path.join(ROOT, 'dist', 'src', 'io', 'npy.js')];
  const first = probe(dir, modules);
  assert.equal(first.hits, 0);
  assert.ok(first.misses >= 2);
  const file = compileCacheFile('probe', { NODE_COMPILE_CACHE: dir })!;
  const entries = readCompileCache(file);
  for (const m of modules) assert.ok(entries.get(m)!.data.length > 0, `${m} cached`);
  const written = fs.statSync(file);
  const second = probe(dir, modules);
  assert.deepEqual({ hits: second.hits, misses: second.misses }, { hits: first.misses, misses: 0 });
  // Nothing new compiled: the cache is not rewritten.
  assert.equal(fs.statSync(file).ino, written.ino);
});

test('an edit of the same length, with the modification time set back, is compiled afresh', () => {
  // V8 checks only the source's length: without ntk-cli's own check it would run the old bytecode here.
  const dir = tempDir();
  const module = path.join(dir, 'm.js');
  const mtime = new Date('2020-01-01T00:00:00Z');
  fs.writeFileSync(module, "module.exports = 'old';");
  fs.utimesSync(module, mtime, mtime);
  assert.deepEqual(probe(dir, [module]).exports, ['old']);
  assert.equal(probe(dir, [module]).hits, 1);
  fs.writeFileSync(module, "module.exports = 'new';");
  fs.utimesSync(module, mtime, mtime);
  const edited = probe(dir, [module]);
  assert.deepEqual(edited.exports, ['new']);
  assert.deepEqual({ hits: edited.hits, misses: edited.misses }, { hits: 0, misses: 1 });
});

test('a damaged cache file is ignored and replaced', () => {
  const dir = tempDir();
  const module = path.join(dir, 'm.js');
  fs.writeFileSync(module, 'module.exports = 6 * 7;');
  const file = compileCacheFile('probe', { NODE_COMPILE_CACHE: dir })!;
  for (const damage of [Buffer.from('not a cache'), Buffer.concat([Buffer.from('ntk-cli code cache2\n'), Buffer.from([255, 255, 0, 0]), Buffer.from('[[')])]) {
    fs.writeFileSync(file, damage);
    const run = probe(dir, [module]);
    assert.deepEqual(run.exports, [42]);
    assert.equal(run.misses, 1);
    assert.ok(readCompileCache(file).has(module), 'rewritten whole');
  }
  // An index that promises more bytes than the file has.
  const whole = fs.readFileSync(file);
  fs.writeFileSync(file, whole.subarray(0, whole.length - 1));
  assert.equal(readCompileCache(file).size, 0);
  assert.deepEqual(probe(dir, [module]).exports, [42]);
});

test("ES modules and files with a syntax error are left to Node's own loader", () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'esm'));
  fs.writeFileSync(path.join(dir, 'esm', 'package.json'), '{"type": "module"}');
  fs.writeFileSync(path.join(dir, 'esm', 'index.js'), 'export const answer = 42;');
  // ES syntax in a file Node has to detect as a module (no package.json says so).
  fs.writeFileSync(path.join(dir, 'detected.js'), 'import * as fs from "node:fs";\nexport const exists = typeof fs.statSync;');
  const run = probe(dir, [path.join(dir, 'esm', 'index.js'), path.join(dir, 'detected.js')]);
  assert.deepEqual(run.exports, [{ answer: 42 }, { exists: 'function' }]);
  const broken = path.join(dir, 'broken.js');
  fs.writeFileSync(broken, 'module.exports = {;');
  const script = `require(${JSON.stringify(COMPILE_CACHE)}).enableCompileCache('probe'); require(${JSON.stringify(broken)});`;
  const failed = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_COMPILE_CACHE: dir } });
  assert.notEqual(failed.status, 0);
  assert.match(failed.stderr.toString(), /broken\.js:1[\s\S]*SyntaxError: Unexpected token/);
});

test('data damaged inside an entry, lengths intact, is not handed to V8 (which could abort on it)', () => {
  const dir = tempDir();
  const modules = [path.join(ROOT, 'dist', 'src', 'render', 'colormaps.js'), path.join(ROOT, 'dist', 'src', 'io', 'npy.js')];
  probe(dir, modules);
  const file = compileCacheFile('probe', { NODE_COMPILE_CACHE: dir })!;
  const entries = [...readCompileCache(file).values()];
  const bytes = fs.readFileSync(file);
  // Zeros over the second half of every entry's data, which lies at the end, in the index's order.
  let offset = bytes.length - entries.reduce((sum, e) => sum + e.data.length, 0);
  for (const entry of entries) {
    bytes.fill(0, offset + (entry.data.length >> 1), offset + entry.data.length);
    offset += entry.data.length;
  }
  fs.writeFileSync(file, bytes);
  assert.equal(readCompileCache(file).size, entries.length, 'the index still reads');
  const run = probe(dir, modules);
  assert.deepEqual({ hits: run.hits, misses: run.misses }, { hits: 0, misses: entries.length });
  assert.equal(probe(dir, modules).hits, entries.length, 'rewritten whole');
});

test("a cache that is not this user's alone is neither read nor written", () => {
  const dir = tempDir();
  const module = path.join(dir, 'm.js');
  fs.writeFileSync(module, 'module.exports = 1;');
  probe(dir, [module]);
  const file = compileCacheFile('probe', { NODE_COMPILE_CACHE: dir })!;
  const written = fs.readFileSync(file);
  // A directory others can write to: another user could have put the file there.
  fs.chmodSync(dir, 0o777);
  const shared = probe(dir, [module]);
  assert.deepEqual({ hits: shared.hits, misses: shared.misses }, { hits: 0, misses: 1 });
  assert.ok(fs.readFileSync(file).equals(written), 'not rewritten either');
  fs.chmodSync(dir, 0o700);
  fs.chmodSync(file, 0o666);
  assert.equal(probe(dir, [module]).hits, 0, 'a file others can write to');
  if (process.getuid?.() === 0) {
    fs.chmodSync(file, 0o600);
    fs.chownSync(file, 65534, 65534);
    assert.equal(probe(dir, [module]).hits, 0, "another user's file");
  }
  // A FIFO in its place neither blocks the run nor is used.
  fs.rmSync(file);
  assert.equal(spawnSync('mkfifo', [file]).status, 0);
  assert.deepEqual(probe(dir, [module]).exports, [1]);
});

test('an error on the first line of a cached module has the column Node gives it', () => {
  const dir = tempDir();
  const module = path.join(dir, 'thrower.js');
  fs.writeFileSync(module, "module.exports = () => { throw new Error('here'); };");
  const frame = (env: Record<string, string>) => {
    const script = `require(${JSON.stringify(COMPILE_CACHE)}).enableCompileCache('probe');
try { require(${JSON.stringify(module)})(); } catch (e) { console.log(e.stack.split('\\n')[1].trim()); }`;
    return spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_COMPILE_CACHE: dir, ...env } }).stdout.toString().trim();
  };
  const node = frame({ NODE_DISABLE_COMPILE_CACHE: '1' });
  assert.match(node, /thrower\.js:1:32\)?$/);
  assert.equal(frame({}), node, 'compiled now');
  assert.equal(frame({}), node, 'from the cache');
  assert.equal(readCompileCache(compileCacheFile('probe', { NODE_COMPILE_CACHE: dir })!).size, 1);
});

test('NODE_DISABLE_COMPILE_CACHE and --enable-source-maps turn the cache off', () => {
  const dir = tempDir();
  const module = path.join(dir, 'm.js');
  fs.writeFileSync(module, 'module.exports = 1;');
  const offs: Record<string, string>[] = [{ NODE_DISABLE_COMPILE_CACHE: '1' }, { NODE_OPTIONS: '--enable-source-maps' }];
  for (const env of offs) {
    const run = probe(dir, [module], env);
    assert.deepEqual({ hits: run.hits, misses: run.misses }, { hits: 0, misses: 0 });
  }
  assert.deepEqual(fs.readdirSync(dir), ['m.js']);
});

test('a command run where the cache cannot be written writes its outputs as usual, and says nothing of it', () => {
  const dir = tempDir();
  const blocker = path.join(dir, 'a-file');
  fs.writeFileSync(blocker, '');
  const out = path.join(dir, 'k.npy');
  const run = runCli(['kernel', '--samples', '12', '--out', out, '-q'], { env: { NODE_COMPILE_CACHE: path.join(blocker, 'cache') } });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.ok(fs.statSync(out).size > 0);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a-file', 'k.npy']);
});

test("a command's runs from a cold and a warm cache write the same bytes, and only the command's cache file", () => {
  const dir = tempDir();
  const cacheDir = path.join(dir, 'cache');
  const args = (out: string) => ['kernel', '--samples', '30', '--width', '16', '--out', path.join(dir, out), '-q'];
  // A command's help compiles next to none of what the command runs: it keeps nothing (Node 22.1
  // and later keep their own cache, file by file).
  const help = runCli(['kernel', '--help'], { env: { NODE_COMPILE_CACHE: cacheDir } });
  assert.equal(help.status, 0);
  if (typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache !== 'function') assert.equal(fs.existsSync(cacheDir), false);
  const cold = runCli(args('cold.npy'), { env: { NODE_COMPILE_CACHE: cacheDir } });
  assert.equal(cold.status, 0, cold.stderr);
  assert.deepEqual(fs.readdirSync(cacheDir), [path.basename(compileCacheFile('kernel', { NODE_COMPILE_CACHE: cacheDir })!)]);
  // A subcommand runs from the bundle (cli/startup.ts): the cache holds it.
  const cached = readCompileCache(path.join(cacheDir, fs.readdirSync(cacheDir)[0]));
  assert.ok(cached.has(path.join(ROOT, 'dist', 'bundle', 'cli.js')));
  const warm = runCli(args('warm.npy'), { env: { NODE_COMPILE_CACHE: cacheDir } });
  assert.equal(warm.status, 0, warm.stderr);
  assert.ok(fs.readFileSync(path.join(dir, 'cold.npy')).equals(fs.readFileSync(path.join(dir, 'warm.npy'))));
  // --help and --version read no cache.
  const topHelp = runCli(['--help'], { env: { NODE_COMPILE_CACHE: path.join(dir, 'help-cache') } });
  assert.equal(topHelp.status, 0);
  assert.equal(fs.existsSync(path.join(dir, 'help-cache')), false);
});
