/**
 * A run killed with SIGKILL while it writes leaves the old file whole: outputs
 * go to a temporary file in the same directory and are renamed into place,
 * all together once every one is written. Other signals, and failures, remove
 * the temporaries; a replaced file keeps its mode and links.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseNpy } from '../src/io/npy';
import { BIN, runCli, tempDir } from './helpers';

test('SIGKILL during the write of a 144 MB kernel leaves the previous file untouched', async () => {
  const dir = tempDir();
  const target = path.join(dir, 'k.npy');
  const old = Buffer.from('the previous kernel\n');
  let killedMidWrite = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    fs.writeFileSync(target, old);
    const child = spawn(process.execPath, [BIN, 'kernel', '--samples', '6000', '--out', target], { stdio: 'ignore' });
    const sawTemp = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        if (fs.readdirSync(dir).some((f) => f.endsWith('.tmp'))) {
          child.kill('SIGKILL');
          clearInterval(poll);
          resolve(true);
        }
      }, 1);
      child.on('exit', () => {
        clearInterval(poll);
        resolve(false);
      });
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('exit', resolve)));
    const now = fs.readFileSync(target);
    if (sawTemp && child.signalCode === 'SIGKILL') {
      killedMidWrite++;
      assert.ok(now.equals(old), 'the old file must survive a kill during the write');
    } else {
      // The run finished before the kill: the file must then be the complete new kernel.
      assert.deepEqual(parseNpy(now).shape, [6000, 6000]);
    }
    for (const f of fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))) fs.rmSync(path.join(dir, f));
  }
  assert.ok(killedMidWrite > 0, 'at least one kill landed while the temporary file was being written');
});

/** Whether a temporary output with data in it is in `dir` (not the empty probe of the writability check). */
function writing(dir: string): boolean {
  return fs.readdirSync(dir).some((f) => {
    try {
      return f.endsWith('.tmp') && fs.statSync(path.join(dir, f)).size > 0;
    } catch {
      return false; // removed meanwhile
    }
  });
}

/** Run the CLI, send `signal` once its temporary output is being written in `dir`, and give its exit code and stderr. */
async function interruptWhileWriting(args: string[], dir: string, signal: NodeJS.Signals): Promise<{ started: boolean; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const started = await new Promise<boolean>((resolve) => {
    const poll = setInterval(() => {
      if (writing(dir)) {
        clearInterval(poll);
        child.kill(signal);
        resolve(true);
      }
    }, 2);
    child.on('exit', () => {
      clearInterval(poll);
      resolve(false);
    });
  });
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (c) => resolve(c))));
  return { started, code, stderr };
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} during a streamed .npy removes the temporary file and exits 128 + the signal number`, async () => {
    const dir = tempDir();
    const target = path.join(dir, 'big.npy');
    const { started, code, stderr } = await interruptWhileWriting(['kernel', '--samples', '8000', '--input-dim', '200', '--width', '1024', '--out', target], dir, signal);
    assert.ok(started, 'the run ended before its temporary file appeared');
    assert.equal(code, 128 + os.constants.signals[signal], stderr);
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing is left behind');
    assert.match(stderr.trim(), new RegExp(`^ntk-cli: interrupted by ${signal}; the output was not written$`));
  });
}

test('a signal during a long computation, before any output is written, ends the run at once, by that signal, with nothing written', async () => {
  // drift over these widths trains 25 networks for 300 steps each, tens of seconds without turning
  // to the event loop: a handler would hold the signal that long.
  const dir = tempDir();
  const target = path.join(dir, 'drift.png');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const child = spawn(process.execPath, [BIN, 'drift', '--widths', '16,64,256,1024,4096', '--seeds', '5', '--steps', '300', '--samples', '200', '--out', target], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(child.exitCode, null, 'still computing');
    child.kill(signal);
    const ended = await new Promise<boolean>((resolve) => {
      const late = setTimeout(() => resolve(false), 10_000);
      child.on('exit', () => {
        clearTimeout(late);
        resolve(true);
      });
    });
    if (!ended) child.kill('SIGKILL');
    assert.ok(ended, `${signal}: the run went on computing`);
    assert.equal(child.signalCode, signal);
    assert.deepEqual(fs.readdirSync(dir), []);
  }
});

test('SIGINT while a CSV kernel or a merge is being written is handled then: exit 130, the temporary removed, the old file untouched', async () => {
  const dir = tempDir();
  const blocks = tempDir();
  const parts = ['0:3000', '3000:6000'].map((rows, k) => {
    const file = path.join(blocks, `part${k}.npy`);
    const run = runCli(['kernel', '--samples', '6000', '--input-dim', '4', '--width', '8', '--rows', rows, '--out', file, '--quiet']);
    assert.equal(run.status, 0, run.stderr);
    return file;
  });
  for (const [name, args] of [
    ['old.csv', ['kernel', '--samples', '3000', '--input-dim', '4', '--width', '8']],
    ['old.npy', ['merge', ...parts]],
  ] as const) {
    const target = path.join(dir, name);
    fs.writeFileSync(target, 'the previous file');
    const { started, code, stderr } = await interruptWhileWriting([...args, '--out', target], dir, 'SIGINT');
    assert.ok(started, `${args[0]}: the run ended before its temporary file appeared`);
    assert.equal(code, 130, `${args[0]}: ${stderr}`);
    assert.deepEqual(fs.readdirSync(dir).sort(), name === 'old.csv' ? ['old.csv'] : ['old.csv', 'old.npy']);
    assert.equal(fs.readFileSync(target, 'utf8'), 'the previous file');
    assert.match(stderr.trim(), /^ntk-cli: interrupted by SIGINT; the output was not written$/);
  }
});

test('a replaced file keeps its mode; a symbolic link keeps pointing at its target, which is what gets written', () => {
  const dir = tempDir();
  const secret = path.join(dir, 'secret.npy');
  fs.writeFileSync(secret, 'old');
  fs.chmodSync(secret, 0o600);
  let run = runCli(['kernel', '--samples', '10', '--out', secret]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(fs.statSync(secret).mode & 0o777, 0o600);
  assert.deepEqual(parseNpy(fs.readFileSync(secret)).shape, [10, 10]);

  const real = path.join(dir, 'results', 'k.npy');
  fs.mkdirSync(path.dirname(real));
  fs.writeFileSync(real, 'old');
  const link = path.join(dir, 'latest.npy');
  fs.symlinkSync(path.join('results', 'k.npy'), link);
  run = runCli(['kernel', '--samples', '12', '--out', link]);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.deepEqual(parseNpy(fs.readFileSync(real)).shape, [12, 12]);
  // The link and its target name one file: reading one and writing the other is refused.
  run = runCli(['kernel', '--inputs', real, '--out', link]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /writing it would replace the input/);
});

test('a run that fails while it writes one output replaces none of them: each waits beside its target until all are written', () => {
  const dir = tempDir();
  const [picture, matrix, inputs] = ['k.png', 'k.csv', 'x.npy'].map((name) => path.join(dir, name));
  for (const file of [picture, matrix, inputs]) fs.writeFileSync(file, 'old');
  const args = ['heatmap', '--samples', '12', '--out', picture, '--matrix', matrix, '--save-inputs', inputs];
  // The inputs are written last, after the matrix and the picture.
  let run = runCli(args, { diskFullAt: 'x.npy' });
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `ntk-cli: error: --save-inputs ${inputs}: cannot write: no space left on the device\n`);
  for (const file of [picture, matrix, inputs]) assert.equal(fs.readFileSync(file, 'utf8'), 'old', file);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['k.csv', 'k.png', 'x.npy'], 'no temporary left');
  run = runCli(args);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(parseNpy(fs.readFileSync(inputs)).shape, [12, 20]);
  assert.equal(fs.readFileSync(matrix, 'utf8').trim().split('\n').length, 12);

  // A block and its placement: a streamed .npy and the .json beside it.
  const block = path.join(dir, 'block.npy');
  fs.writeFileSync(block, 'old');
  fs.writeFileSync(`${block}.json`, 'old');
  run = runCli(['kernel', '--samples', '12', '--rows', '0:6', '--cols', '0:12', '--out', block], { diskFullAt: 'block.npy.json' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^ntk-cli: error: --out .*block\.npy\.json: cannot write: no space left on the device\n$/);
  assert.equal(fs.readFileSync(block, 'utf8'), 'old');
  assert.equal(fs.readFileSync(`${block}.json`, 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['block.npy', 'block.npy.json', 'k.csv', 'k.png', 'x.npy']);
});

test('a signal that arrives during synchronous work (a solve, a parse) is handled before the outputs are put in place: exit 130, the old files kept', () => {
  const dir = tempDir();
  const kernel = path.join(dir, 'k.npy');
  assert.equal(runCli(['kernel', '--samples', '40', '--out', kernel]).status, 0);
  const [chart, values] = [path.join(dir, 'chart.png'), path.join(dir, 'values.npy')];
  for (const file of [chart, values]) fs.writeFileSync(file, 'old');
  // SIGINT as the chart is written, after the eigendecomposition and before the eigenvalues are.
  const run = runCli(['spectrum', kernel, '--out', chart, '--save-eigenvalues', values], { interruptAt: 'chart.png' });
  assert.equal(run.status, 130, run.stderr);
  assert.equal(run.stderr, 'ntk-cli: interrupted by SIGINT; the output was not written\n');
  for (const file of [chart, values]) assert.equal(fs.readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['chart.png', 'k.npy', 'values.npy']);
});

test('a dangling symbolic link stays a link: the file it names is created; a link into a missing directory, or a loop, is refused before any work', () => {
  const dir = tempDir();
  fs.symlinkSync('made.npy', path.join(dir, 'dangling.npy'));
  let run = runCli(['kernel', '--samples', '5', '--out', path.join(dir, 'dangling.npy')]);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(fs.lstatSync(path.join(dir, 'dangling.npy')).isSymbolicLink());
  assert.deepEqual(parseNpy(fs.readFileSync(path.join(dir, 'made.npy'))).shape, [5, 5]);
  fs.symlinkSync(path.join('nowhere', 'x.npy'), path.join(dir, 'lost.npy'));
  run = runCli(['kernel', '--samples', '5', '--out', path.join(dir, 'lost.npy')]);
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `ntk-cli: error: --out ${path.join(dir, 'lost.npy')}: directory ${path.join(fs.realpathSync(dir), 'nowhere')} does not exist\n`);
  fs.symlinkSync('loop.npy', path.join(dir, 'loop.npy'));
  run = runCli(['kernel', '--samples', '5', '--out', path.join(dir, 'loop.npy')]);
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `ntk-cli: error: --out ${path.join(dir, 'loop.npy')}: its symbolic links go round in a loop\n`);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['dangling.npy', 'loop.npy', 'lost.npy', 'made.npy']);
  // A relative link is read from the directory it is in, as the system reads it, also when that directory is reached through a link.
  fs.mkdirSync(path.join(dir, 'real', 'sub'), { recursive: true });
  fs.symlinkSync(path.join('real', 'sub'), path.join(dir, 'via'));
  fs.symlinkSync(path.join('..', 'up.npy'), path.join(dir, 'real', 'sub', 'up-link.npy'));
  fs.writeFileSync(path.join(dir, 'up.npy'), 'not the target');
  run = runCli(['kernel', '--samples', '5', '--out', path.join(dir, 'via', 'up-link.npy')]);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(parseNpy(fs.readFileSync(path.join(dir, 'real', 'up.npy'))).shape, [5, 5]);
  assert.equal(fs.readFileSync(path.join(dir, 'up.npy'), 'utf8'), 'not the target');
});

test('a target turned into a directory while the run computed is found before any output is renamed: none is replaced', () => {
  const dir = tempDir();
  const [picture, matrix] = [path.join(dir, 'k.png'), path.join(dir, 'k.csv')];
  for (const file of [picture, matrix]) fs.writeFileSync(file, 'old');
  const run = runCli(['heatmap', '--samples', '12', '--out', picture, '--matrix', matrix], { directoryAt: 'k.png' });
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `ntk-cli: error: --out ${picture}: is a directory now; no output was replaced\n`);
  assert.equal(fs.readFileSync(matrix, 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['k.csv', 'k.png']);
});
