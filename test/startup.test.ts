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

test("a subcommand runs from the bundle, and its help, --help and --version from the modules, with the same output", () => {
  const dir = tempDir();
  const preload = path.join(dir, 'modules.js');
  fs.writeFileSync(preload, `process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));`);
  const loaded = (args: string[]) => {
    const run = spawnSync(process.execPath, ['-r', preload, BIN, ...args], { env: { ...process.env, NODE_COMPILE_CACHE: path.join(dir, 'cache') } });
    assert.equal(run.status, 0, run.stderr.toString());
    const modules: string[] = JSON.parse(run.stderr.toString());
    return { stdout: run.stdout.toString(), bundle: modules.includes(path.join(ROOT, 'dist', 'bundle', 'cli.js')), own: modules.filter((m) => m.startsWith(path.join(ROOT, 'dist', 'src'))).length };
  };
  const kernel = loaded(['kernel', '--samples', '5', '--out', path.join(dir, 'k.npy'), '--json']);
  assert.ok(kernel.bundle);
  // Start-up's own file, and the compile cache it turns on before the bundle loads.
  assert.equal(kernel.own, 2);
  for (const args of [['kernel', '--help'], ['help', 'kernel'], ['--help'], ['--version']]) {
    const run = loaded(args);
    assert.equal(run.bundle, false, args.join(' '));
    assert.ok(run.own > 2, args.join(' '));
  }
  // The bundle is the modules' code: the same run from each writes the same report and kernel.
  const fromModules = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'cli.js'))}).main(process.argv).then((code) => process.exit(code))`, 'ntk-cli', 'kernel', '--samples', '5', '--out', path.join(dir, 'm.npy'), '--json']);
  assert.equal(fromModules.status, 0, fromModules.stderr.toString());
  const withoutTimes = (json: string) => ({ ...JSON.parse(json), seconds: null, outputs: null });
  assert.deepEqual(withoutTimes(fromModules.stdout.toString()), withoutTimes(kernel.stdout));
  assert.ok(fs.readFileSync(path.join(dir, 'k.npy')).equals(fs.readFileSync(path.join(dir, 'm.npy'))));
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
