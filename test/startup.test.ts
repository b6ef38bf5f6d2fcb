/**
 * What a run saves at its start and end (src/cli/startup.ts): commander's child_process loaded
 * only when used, and an exit that keeps the exit code and everything written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, ROOT, runCli, tempDir } from './helpers';

const STARTUP = path.join(ROOT, 'dist', 'src', 'cli', 'startup.js');

test('--help and --version load neither child_process nor the dgram module it brings', () => {
  const dir = tempDir();
  const preload = path.join(dir, 'builtins.js');
  fs.writeFileSync(preload, `process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList)));`);
  for (const flag of ['--help', '--version']) {
    // (stdout a pipe: Node loads net for it whatever runs.)
    const run = spawnSync(process.execPath, ['-r', preload, BIN, flag]);
    assert.equal(run.status, 0);
    const loaded: string[] = JSON.parse(run.stderr.toString());
    assert.ok(loaded.includes('NativeModule fs'), 'the list is the builtins loaded');
    for (const name of ['child_process', 'dgram']) assert.ok(!loaded.includes(`NativeModule ${name}`), `${flag} loaded ${name}`);
  }
});

test('a subcommand (its help included) runs from the bundle, --help and --version from cli.js with commander in it, with the output of the modules', () => {
  const dir = tempDir();
  const preload = path.join(dir, 'modules.js');
  fs.writeFileSync(preload, `process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));`);
  const own = (...parts: string[]) => path.join(ROOT, 'dist', ...parts);
  const loaded = (args: string[]) => {
    const run = spawnSync(process.execPath, ['-r', preload, BIN, ...args], { env: { ...process.env, NODE_COMPILE_CACHE: path.join(dir, 'cache') } });
    assert.equal(run.status, 0, run.stderr.toString());
    const modules: string[] = JSON.parse(run.stderr.toString());
    return { stdout: run.stdout.toString(), modules, own: modules.filter((m) => m.startsWith(own('src'))) };
  };
  // Start-up's own file, the compile cache it turns on before the bundle loads, and the native
  // helper's module (the cache's CRC-32, and the preload).
  const fromBundle = [own('src', 'cli', 'compileCache.js'), own('src', 'cli', 'startup.js'), own('src', 'native.js')];
  const kernel = loaded(['kernel', '--samples', '5', '--out', path.join(dir, 'k.npy'), '--json']);
  assert.ok(kernel.modules.includes(own('bundle', 'cli.js')));
  assert.deepEqual(kernel.own.sort(), fromBundle);
  for (const args of [['kernel', '--help'], ['help', 'kernel']]) {
    const run = loaded(args);
    assert.ok(run.modules.includes(own('bundle', 'cli.js')), args.join(' '));
    assert.deepEqual(run.own.sort(), fromBundle, args.join(' '));
  }
  for (const args of [['--help'], ['--version']]) {
    const run = loaded(args);
    assert.ok(run.modules.includes(own('src', 'cli.help.js')), args.join(' '));
    assert.equal(run.modules.some((m) => m.includes(`${path.sep}commander${path.sep}`) || m === own('src', 'cli.js')), false, args.join(' '));
  }
  // The builds are the modules' code: the same run from each writes the same report and kernel, and the same help.
  const fromModules = (args: string[]) => spawnSync(process.execPath, ['-e', `require(${JSON.stringify(own('src', 'cli.js'))}).main(process.argv).then((code) => process.exit(code))`, 'ntk-cli', ...args]);
  const run = fromModules(['kernel', '--samples', '5', '--out', path.join(dir, 'm.npy'), '--json']);
  assert.equal(run.status, 0, run.stderr.toString());
  const withoutTimes = (json: string) => ({ ...JSON.parse(json), seconds: null, outputs: null });
  assert.deepEqual(withoutTimes(run.stdout.toString()), withoutTimes(kernel.stdout));
  assert.ok(fs.readFileSync(path.join(dir, 'k.npy')).equals(fs.readFileSync(path.join(dir, 'm.npy'))));
  for (const args of [['--help'], ['kernel', '--help']]) assert.equal(loaded(args).stdout, fromModules(args).stdout.toString(), args.join(' '));
});

test('a build older than the modules (tsc has run since), or missing, is passed over for them', () => {
  // start-up's own file in a tree of stand-ins, each saying which it is.
  const dir = tempDir();
  const file = (relative: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.writeFileSync(path.join(dir, relative), text);
  };
  file('dist/src/cli/startup.js', fs.readFileSync(STARTUP, 'utf8'));
  file('dist/src/cli/compileCache.js', 'exports.enableCompileCache = () => undefined;');
  for (const [relative, name] of [['dist/src/cli.js', 'modules'], ['dist/src/cli.help.js', 'help build'], ['dist/bundle/cli.js', 'bundle']]) file(relative, `exports.which = ${JSON.stringify(name)};`);
  const which = () => {
    const script = `const { loadCli } = require(${JSON.stringify(path.join(dir, 'dist/src/cli/startup.js'))});
console.log(JSON.stringify([['ntk-cli', '--help'], ['ntk-cli', 'kernel', '--out', 'k.npy']].map((args) => loadCli(['node', ...args]).which)));`;
    return JSON.parse(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout);
  };
  const at = (relative: string, seconds: number) => fs.utimesSync(path.join(dir, relative), seconds, seconds);
  at('dist/src/cli.js', 1000);
  at('dist/src/cli.help.js', 1000);
  at('dist/bundle/cli.js', 2000);
  assert.deepEqual(which(), ['help build', 'bundle']);
  // npm unpacks cli.js after the builds, milliseconds later: they are still current.
  at('dist/src/cli.help.js', 2000);
  at('dist/src/cli.js', 2000.005);
  assert.deepEqual(which(), ['help build', 'bundle']);
  at('dist/src/cli.js', 3000);
  assert.deepEqual(which(), ['modules', 'modules']);
  at('dist/src/cli.help.js', 3000);
  fs.rmSync(path.join(dir, 'dist/bundle'), { recursive: true });
  assert.deepEqual(which(), ['help build', 'modules']);
});

test('cli.help.js holds cli.js and commander, and none of ntk-cli\'s other modules (they would be second copies)', () => {
  const build = fs.readFileSync(path.join(ROOT, 'dist', 'src', 'cli.help.js'), 'utf8');
  // esbuild names each module it wraps by its path (relative to where node_modules really is); cli.js, the entry, is not wrapped.
  const wrapped = [...build.matchAll(/"([^"\n]+\.js)"\(/g)].map((m) => m[1]);
  assert.ok(wrapped.some((file) => file.endsWith('node_modules/commander/lib/command.js')), wrapped.join(' '));
  assert.deepEqual(wrapped.filter((file) => !file.includes('node_modules/commander/')), []);
});

test("commander's stand-in for child_process is the real module once used, and other packages get the real one", () => {
  const dir = tempDir();
  for (const pkg of ['commander', 'other']) {
    fs.mkdirSync(path.join(dir, pkg));
    fs.writeFileSync(path.join(dir, pkg, 'index.js'), "const cp = require('node:child_process'); module.exports = () => [cp.spawnSync('true').status, typeof cp.execFileSync];");
  }
  const script = `const done = require(${JSON.stringify(STARTUP)}).deferCommanderChildProcess();
const fromCommander = require(${JSON.stringify(path.join(dir, 'commander'))});
const fromOther = require(${JSON.stringify(path.join(dir, 'other'))});
const before = process.moduleLoadList.includes('NativeModule child_process');
done();
console.log(JSON.stringify({ before, commander: fromCommander(), other: fromOther() }));`;
  const run = spawnSync(process.execPath, ['-e', script]);
  assert.equal(run.status, 0, run.stderr.toString());
  // 'other' loaded the real module at once; commander's stand-in spawns as the real one does.
  assert.deepEqual(JSON.parse(run.stdout.toString()), { before: true, commander: [0, 'function'], other: [0, 'function'] });
});

test('a run that ends at once keeps its exit code and its whole output on a pipe', () => {
  const dir = tempDir();
  // About 2 MB of CSV through stdout, then the summary line on stderr.
  const csv = runCli(['kernel', '--samples', '400', '--out', '-', '--format', 'csv']);
  assert.equal(csv.status, 0, csv.stderr);
  assert.equal(csv.stdout.trimEnd().split('\n').length, 400);
  assert.match(csv.stderr, /^NTK of a 20-10-1 relu MLP/);
  const gate = runCli(['kernel', '--samples', '20', '--out', path.join(dir, 'k.npy'), '--json', '--fail-if', 'kernel.max > 0']);
  assert.equal(gate.status, 3);
  assert.equal(JSON.parse(gate.stdout).n, 20);
  assert.equal(runCli(['kernel', '--width', '0']).status, 2);
});

test("a run whose summary cannot be written (stderr's reader gone) still exits 1", async () => {
  const child = spawn(process.execPath, [BIN, 'kernel', '--samples', '20', '--out', '-', '--format', 'csv'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.destroy();
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
});
