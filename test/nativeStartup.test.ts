/**
 * What the native helper does for a run's start and end (native/ntk_native.c, src/cli/startup.ts):
 * libraries opened on a thread of their own (preload), the code cache's CRC-32, the PNG encoder,
 * isatty; and the CLI around them: a summary line written without making process.stdout, output
 * that a non-blocking pipe refuses written all the same, an early exit while the preload runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Canvas, createCanvas } from 'canvas';
import { PNG } from 'pngjs';
import { nativeHelpers } from '../src/native';
import { BIN, ROOT, runCli, tempDir } from './helpers';

const native = nativeHelpers();
const skipWithout = (name: keyof NonNullable<typeof native>) => (typeof native?.[name] === 'function' ? false : 'the native helper is not built here');
/** The preload's tests read /proc/self/maps and ELF files: Linux's. */
const skipPreload = process.platform !== 'linux' ? 'the preload is checked on Linux (/proc/self/maps)' : skipWithout('preload');
const HELPER = path.join(ROOT, 'native', 'build', 'Release', 'ntk_native.node');
const CANVAS_ADDON = path.join(path.dirname(require.resolve('canvas')), 'build', 'Release', 'canvas.node');

/** Run `script` in a fresh Node process (a preload can run once per process); its stdout parsed as JSON. */
function inFreshProcess(script: string): unknown {
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: ROOT });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('preload opens Node-API add-ons and the libraries a nan add-on needs, on its own thread; Node then loads both', { skip: skipPreload }, () => {
  let nblas: string;
  try {
    nblas = path.join(path.dirname(require.resolve('nblas')), '..', 'build', 'Release', 'nblas.node');
  } catch {
    nblas = '';
  }
  // Files that are not what they should be are passed over: text, a cut ELF header, ELF magic then noise, nothing.
  const dir = tempDir();
  const text = path.join(dir, 'text');
  fs.writeFileSync(text, 'not a library\n');
  const cut = path.join(dir, 'cut.so');
  fs.writeFileSync(cut, fs.readFileSync(CANVAS_ADDON).subarray(0, 100));
  const noise = path.join(dir, 'noise.so');
  fs.writeFileSync(noise, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), crypto.randomBytes(4096)]));
  const result = inFreshProcess(`
    const fs = require('node:fs');
    const native = require(${JSON.stringify(HELPER)});
    const maps = () => fs.readFileSync('/proc/self/maps', 'utf8');
    const before = { cairo: /libcairo/.test(maps()), fontconfigCache: /fontconfig.*cache/.test(maps()) };
    const needed = [${JSON.stringify(nblas)}, ${JSON.stringify(text)}, ${JSON.stringify(cut)}, ${JSON.stringify(noise)}, '/nonexistent/x.so'].filter(Boolean);
    const started = native.preload([${JSON.stringify(CANVAS_ADDON)}, ${JSON.stringify(text)}], needed, ['FcInit', 'no_such_function']);
    native.preloadJoin();
    native.preloadJoin();
    const after = maps();
    const again = native.preload([], [], []);
    const { createCanvas } = require('canvas');
    const canvas = createCanvas(4, 2);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ff8000';
    context.fillRect(0, 0, 4, 2);
    let product = null;
    if (${JSON.stringify(nblas)}) {
      const blas = require('nblas');
      const c = new Float32Array(1);
      blas.sgemm(blas.NoTrans, blas.NoTrans, 1, 1, 2, 1, new Float32Array([2, 3]), 2, new Float32Array([5, 7]), 1, 0, c, 1);
      product = c[0];
    }
    console.log(JSON.stringify({ before, started, again, cairo: /libcairo/.test(after), blas: /libopenblas|libblas/.test(after), nblasItself: /nblas\\.node/.test(after),
      fontconfigCache: /fontconfig.*cache/.test(after), pixel: [...context.getImageData(1, 1, 1, 1).data], product }));
  `) as Record<string, unknown>;
  assert.deepEqual(result.before, { cairo: false, fontconfigCache: false });
  assert.equal(result.started, true);
  assert.equal(result.again, false, 'one preload a process');
  assert.equal(result.cairo, true, 'canvas and its libraries mapped');
  // FcInit ran: fontconfig maps its caches as it reads its configuration (where it has any).
  const cached = ['/var/cache/fontconfig', path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/', '.cache'), 'fontconfig')].some((d) => fs.existsSync(d) && fs.readdirSync(d).length > 0);
  if (cached) assert.equal(result.fontconfigCache, true);
  assert.deepEqual(result.pixel, [255, 128, 0, 255]);
  if (nblas) {
    assert.equal(result.blas, true, "nblas's BLAS mapped");
    assert.equal(result.nblasItself, false, 'a nan add-on is left for Node to open');
    assert.equal(result.product, 2 * 5 + 3 * 7);
  }
  assert.throws(() => native!.preload(Array(17).fill(text), [], []), /at most 16/);
});

test('preload leaves alone a library with a run path of its own, which its thread would resolve elsewhere', { skip: skipPreload }, (t) => {
  // Two copies of one library, and two users of it: one finds it by its RUNPATH, one by the search path.
  const dir = tempDir();
  const cc = (args: string[]) => spawnSync('cc', args, { cwd: dir, encoding: 'utf8' });
  for (const copy of ['good', 'bad']) {
    fs.mkdirSync(path.join(dir, copy));
    fs.writeFileSync(path.join(dir, copy, 'x.c'), `int which(void) { return ${copy === 'good' ? 1 : 2}; }\n`);
    const built = cc(['-shared', '-fPIC', '-Wl,-soname,libntkx.so.1', '-o', path.join(copy, 'libntkx.so.1'), path.join(copy, 'x.c')]);
    if (built.error || built.status !== 0) return t.skip('no C compiler here');
    fs.symlinkSync('libntkx.so.1', path.join(dir, copy, 'libntkx.so'));
  }
  fs.writeFileSync(path.join(dir, 'user.c'), 'int which(void);\nint user(void) { return which(); }\n');
  assert.equal(cc(['-shared', '-fPIC', '-o', 'with-runpath.so', 'user.c', '-Lgood', '-lntkx', `-Wl,-rpath,${path.join(dir, 'good')}`, '-Wl,--enable-new-dtags']).status, 0);
  assert.equal(cc(['-shared', '-fPIC', '-o', 'plain.so', 'user.c', '-Lgood', '-lntkx']).status, 0);
  const mapped = (user: string) => {
    const script = `const native = require(${JSON.stringify(HELPER)});
      native.preload([], [${JSON.stringify(path.join(dir, user))}], []);
      native.preloadJoin();
      const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
      console.log(JSON.stringify({ good: maps.includes(${JSON.stringify(path.join(dir, 'good'))}), bad: maps.includes(${JSON.stringify(path.join(dir, 'bad'))}) }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: path.join(dir, 'bad') } });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout);
  };
  // Without a run path the thread opens what the add-on's own loading would (the search path's copy)...
  assert.deepEqual(mapped('plain.so'), { good: false, bad: true });
  // ...with one, nothing: the add-on's loading finds its own copy later.
  assert.deepEqual(mapped('with-runpath.so'), { good: false, bad: false });
});

test("the helper's CRC-32 is zlib's, on buffers and on strings' UTF-8, continued from a value", { skip: skipWithout('crc32') }, () => {
  const crc32 = (zlib as unknown as { crc32?: (data: string | Buffer, value?: number) => number }).crc32;
  if (!crc32) return; // Node before 20.15: the helper's alone is checked below
  for (let i = 0; i < 200; i++) {
    const bytes = crypto.randomBytes(i * 37);
    const value = crypto.randomBytes(4).readUInt32LE();
    assert.equal(native!.crc32(bytes), crc32(bytes));
    assert.equal(native!.crc32(bytes, value), crc32(bytes, value));
  }
  for (const text of ['', 'ascii only', 'Θ(x, x′) × 2⁶⁴ – λ', '\u{1F600}'.repeat(1000)]) assert.equal(native!.crc32(text), crc32(text));
  // A view into a larger buffer: its own bytes only.
  const whole = crypto.randomBytes(1000);
  assert.equal(native!.crc32(whole.subarray(100, 300)), crc32(Buffer.from(whole.subarray(100, 300))));
  assert.throws(() => native!.crc32(42 as unknown as string), /string or a buffer/);
});

test('the CRC-32 of "123456789" is CBC F43926 (its published check value)', { skip: skipWithout('crc32') }, () => {
  assert.equal(native!.crc32('123456789'), 0xcbf43926);
});

/** A picture with flat colours, text, lines and gradients, opaque or with translucent paint on a clear background. */
function testPicture(width: number, height: number, opaque: boolean): Canvas {
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  if (opaque) {
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
  }
  for (let i = 0; i < 300; i++) {
    context.fillStyle = `hsla(${(i * 47) % 360}, 80%, 50%, ${opaque ? 1 : ((i % 9) + 1) / 10})`;
    context.fillRect((i * 37) % width, (i * 53) % height, 5 + (i % 40), 3 + (i % 25));
  }
  const gradient = context.createLinearGradient(0, 0, width, 0);
  gradient.addColorStop(0, opaque ? '#000' : 'rgba(0,0,0,0)');
  gradient.addColorStop(1, '#f0c');
  context.fillStyle = gradient;
  context.fillRect(0, height / 3, width, height / 5);
  context.fillStyle = '#123456';
  context.font = '14px sans-serif';
  context.fillText('Θ(x, x′)', 10, height - 10);
  return canvas;
}

test("the helper's PNG has canvas's own encoder's pixels, RGB where opaque, and the same bytes on any number of threads", { skip: skipWithout('encodePng') }, () => {
  for (const [width, height, opaque] of [[640, 480, true], [640, 480, false], [1, 1, true], [3, 700, false], [1200, 900, true]] as const) {
    const canvas = testPicture(width, height, opaque);
    const raw = canvas.toBuffer('raw');
    const reference = PNG.sync.read(canvas.toBuffer('image/png'));
    const files = [1, 2, 3, 16].map((threads) => native!.encodePng(raw, width, height, 6, threads));
    for (const file of files.slice(1)) assert.ok(file.equals(files[0]), `${width}×${height}: the bytes depend on the threads`);
    const decoded = PNG.sync.read(files[0]);
    assert.equal(decoded.width, width);
    assert.equal(decoded.height, height);
    assert.equal(files[0][25], opaque ? 2 : 6, 'colour type: RGB where every pixel is opaque');
    assert.ok(decoded.data.equals(reference.data), `${width}×${height}${opaque ? '' : ', translucent'}: pixels differ from canvas's encoder`);
    // zlib itself reads the stream the parts make (its Adler-32 checked).
    const idat = Buffer.concat(chunksOf(files[0]).filter((c) => c.type === 'IDAT').map((c) => c.data));
    const rowBytes = 1 + width * (opaque ? 3 : 4);
    assert.equal(zlib.inflateSync(idat).length, rowBytes * height);
  }
  for (const level of [0, 1, 9]) assert.ok(PNG.sync.read(native!.encodePng(testPicture(300, 200, true).toBuffer('raw'), 300, 200, level, 2)).data.length === 300 * 200 * 4);
  assert.throws(() => native!.encodePng(Buffer.alloc(12), 2, 2, 6, 1), /width\*height/);
  assert.throws(() => native!.encodePng(Buffer.alloc(16), 2, 2, 10, 1), /level 0-9/);
});

/** A PNG's chunks, each CRC checked. */
function chunksOf(file: Buffer): { type: string; data: Buffer }[] {
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    assert.equal(file.readUInt32BE(at + 8 + length), zlib.crc32 ? zlib.crc32(file.subarray(at + 4, at + 8 + length)) : file.readUInt32BE(at + 8 + length), `${type}'s CRC`);
    chunks.push({ type, data: file.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

test('isTerminal is isatty: false for a file and a pipe, true on a pseudo-terminal', { skip: skipWithout('isTerminal') }, () => {
  const dir = tempDir();
  const file = fs.openSync(path.join(dir, 'f'), 'w');
  assert.equal(native!.isTerminal(file), false);
  fs.closeSync(file);
  assert.equal(native!.isTerminal(-1), false);
  const probe = `process.stdout.write(String(require(${JSON.stringify(HELPER)}).isTerminal(1)))`;
  assert.equal(spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout, 'false');
  // util-linux's script(1) runs it on a pseudo-terminal.
  const script = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} -e ${JSON.stringify(probe)}`, '/dev/null'], { encoding: 'utf8' });
  if (script.error || script.status !== 0) return; // no script(1) here
  assert.match(script.stdout, /true/);
});

test('a heatmap writes its summary line and exits without making process.stdout or process.stderr', () => {
  const dir = tempDir();
  const hook = path.join(dir, 'stdio.js');
  const opened = path.join(dir, 'opened.json');
  fs.writeFileSync(hook, `process.on('exit', () => { const s = process[Symbol.for('ntk-cli stdio opened')]; require('fs').writeFileSync(${JSON.stringify(opened)}, JSON.stringify(s ? [...s] : null)); });`);
  for (const args of [[], ['--json']]) {
    // stdout a file, as where the summary goes to a log (a pipe always takes the stream).
    const out = fs.openSync(path.join(dir, 'stdout.txt'), 'w+');
    const run = spawnSync(process.execPath, ['-r', hook, BIN, 'heatmap', '--samples', '20', '--out', path.join(dir, 'h.png'), ...args], { encoding: 'utf8', stdio: ['ignore', out, 'pipe'] });
    fs.closeSync(out);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(opened, 'utf8')), [], args.join(' '));
    const stdout = fs.readFileSync(path.join(dir, 'stdout.txt'), 'utf8');
    assert.match(stdout, args.length ? /^\{"n":20,/ : /^NTK of a 20-10-1 relu MLP .* on 20 samples/);
  }
});

test('a non-blocking pipe that refuses output for a while (EAGAIN) still gets all of it, in order', async (t) => {
  // perl sets O_NONBLOCK on the pipe it hands to ntk-cli as stdout, which the reader leaves full for a while.
  if (spawnSync('perl', ['-e', '1']).status !== 0) return t.skip('no perl here');
  const dir = tempDir();
  const args = ['kernel', '--samples', '1500', '--seed', '3', '--format', 'csv'];
  const reference = path.join(dir, 'k.csv');
  assert.equal(runCli([...args, '--out', reference]).status, 0);
  const child = spawn('perl', ['-MFcntl', '-e', 'fcntl(STDOUT, F_SETFL, fcntl(STDOUT, F_GETFL, 0) | O_NONBLOCK) or die; exec @ARGV', process.execPath, BIN, ...args, '--out', '-', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pause();
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stdout.resume();
  const status = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(status, 0, stderr);
  const expected = fs.readFileSync(reference);
  assert.ok(expected.length > 1 << 20, 'more than a pipe holds');
  assert.ok(Buffer.concat(chunks).equals(expected));
});

/**
 * Run ntk-cli with `args` under sh, its stdout a pipe (blocking, as a shell's are) that `feed`
 * (sh) fills first and `sleep` never reads; signal ntk-cli alone with SIGTERM once `ready(pid)`,
 * and resolve with whether it ended within 20 s, and its stderr.
 */
async function signalWhileBlocked(feed: string, args: string[], ready: (pid: number) => boolean): Promise<{ ended: boolean; stderr: string } | null> {
  const shell = spawn('sh', ['-c', `(${feed}; exec "$0" "$@") | sleep 60`, process.execPath, BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  shell.stderr.on('data', (d) => (stderr += d));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    let pid = 0;
    for (let waited = 0; !pid && waited < 10000; waited += 50) {
      await sleep(50);
      const found = spawnSync('pgrep', ['-P', String(shell.pid), '-f', 'ntk-cli'], { encoding: 'utf8' });
      if (found.error) return null;
      pid = Number(found.stdout.trim().split('\n')[0]) || 0;
    }
    assert.ok(pid > 0, "ntk-cli's process under sh");
    for (let waited = 0; !ready(pid) && waited < 30000; waited += 50) await sleep(50);
    assert.ok(ready(pid), 'not at the point to signal within 30 s');
    process.kill(pid, 'SIGTERM');
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let waited = 0; alive() && waited < 20000; waited += 100) await sleep(100);
    const ended = !alive();
    for (let waited = 0; ended && !/interrupted by SIGTERM/.test(stderr) && waited < 2000; waited += 50) await sleep(50);
    return { ended, stderr };
  } finally {
    process.kill(-shell.pid!, 'SIGKILL');
  }
}

test('SIGTERM ends a run whose output waits on a blocking pipe that is never read', async (t) => {
  if (spawnSync('pgrep', ['--version']).error) return t.skip('no pgrep here');
  // A kernel larger than the pipe, signalled once more than a pipe holds is written.
  const written = (pid: number) => Number(/^wchar: (\d+)/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0) > 1 << 16;
  const kernel = await signalWhileBlocked('true', ['kernel', '--samples', '1500', '--format', 'csv', '--out', '-', '--progress'], written);
  assert.ok(kernel?.ended, `still writing 20 s after SIGTERM: ${kernel?.stderr}`);
  assert.match(kernel!.stderr, /interrupted by SIGTERM/);
  // A report of a few hundred bytes into a pipe another writer has filled, signalled once the picture is in place.
  const dir = tempDir();
  const picture = path.join(dir, 'h.png');
  const report = await signalWhileBlocked('head -c 65536 /dev/zero', ['heatmap', '--samples', '20', '--out', picture, '--json'], () => fs.existsSync(picture));
  assert.ok(report?.ended, `still writing its report 20 s after SIGTERM: ${report?.stderr}`);
});

test('a run that fails at once, while the preload thread is still opening libraries, exits with its one-line error every time', () => {
  for (let i = 0; i < 12; i++) {
    const args = i % 2 ? ['heatmap', '--width', 'abc'] : ['kernel', '--samples', '0', '--out', '/nonexistent-dir/k.npy'];
    const run = runCli(args);
    assert.ok(run.status === 1 || run.status === 2, `${args.join(' ')}: exit ${run.status} ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^ntk-cli: /);
  }
});
