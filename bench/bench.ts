/**
 * `npm run bench`: ntk-cli against its peers on this machine, as Markdown.
 *
 * Every measurement is a whole process: its wall clock timed around the child
 * to 0.1 ms, its peak RSS from GNU time (start-up commands run without it),
 * repeated `--runs` times (default 3; the kernels up to n = 2000 at least 7)
 * with the tools of a case alternating, and reported as the median. Peers:
 *   - NumPy: bench/numpy_peer.py with the `python3` on PATH (a current NumPy
 *     with its own OpenBLAS). Where the machine pins OPENBLAS_CORETYPE (and
 *     OPENBLAS_L2_SIZE) for older OpenBLAS builds, NumPy and ntk-cli both run
 *     with the pin and without it, each row compared with NumPy run the same way.
 *   - PyTorch (Debian's, /usr/bin/python3): the NTK tutorial's vmap(jacrev)
 *     and the seed's own loop (bench/torch_peers.py), and the seed's whole
 *     script with its matplotlib picture (bench/seed_script.py).
 * GFLOP/s counts the products each tool performs: NumPy the full n × n
 * products, 2·n²·(d + 2w); ntk-cli the upper triangle, n·(n + 1)·(d + 2w),
 * over the time its --json reports for products; "of sgemm" compares that
 * with the binding's own 2048³ sgemm, measured in the same run.
 *
 * A WebGPU section compares `--backend webgpu` with the host path where Dawn
 * finds an adapter (large cases on a GPU, a small one on a software adapter).
 *
 * `npm run bench -- --quick` leaves out n = 20,000; `-- --runs N` repeats N times;
 * `-- --only cnn,spectra` runs only those sections (startup, kernels, spectra,
 * infinite, cnn, sorting, webgpu).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'ntk-cli.js');
const DEBIAN_PYTHON = '/usr/bin/python3';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-bench-'));
process.on('exit', () => fs.rmSync(TMP, { recursive: true, force: true }));

interface Case {
  name: string;
  n: number;
  d: number;
  w: number;
  /** Also run the slow peers (functorch; the seed's loop and ntk-cli's tfjs path where small). */
  functorch: boolean;
  seedLoop: boolean;
  tfjs: boolean;
}

const CASES: Case[] = [
  { name: "the seed's defaults", n: 100, d: 20, w: 10, functorch: true, seedLoop: true, tfjs: true },
  { name: 'n = 1000, w = 256', n: 1000, d: 20, w: 256, functorch: true, seedLoop: false, tfjs: true },
  { name: 'n = 2000, d = 100, w = 1024', n: 2000, d: 100, w: 1024, functorch: true, seedLoop: false, tfjs: true },
  { name: 'n = 20,000, d = 784, w = 2048', n: 20000, d: 784, w: 2048, functorch: false, seedLoop: false, tfjs: false },
];

interface Run {
  wall: number;
  rssMB: number;
  stdout: string;
}

/** Run under GNU time; returns wall seconds (timed around it), peak RSS and stdout. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const stats = path.join(TMP, 'time');
  // Peak RSS from GNU time; the wall clock around it, to 0.1 ms (GNU time's own is in 10 ms steps,
  // 5% of a 0.2 s process; its fork and exec, about 1 ms, are in every tool's time alike).
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', stats, command, ...args], { cwd: TMP, env, maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString().trim()}`);
  const rssKB = Number(fs.readFileSync(stats, 'utf8').trim().split('\n').pop());
  return { wall, rssMB: rssKB / 1024, stdout: result.stdout.toString() };
}

/** Runs of each tool on the cases up to n = 2000 (at least; `--runs` can ask for more). */
const SHORT_RUNS = 7;

/** A Fisher–Yates shuffle on a linear congruential generator seeded with `seed`: orders that vary from call to call, the same in every bench. */
function seededShuffle(seed: number): <T>(items: T[]) => T[] {
  let state = seed >>> 0 || 1;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return (items) => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** The environment for a current NumPy: without this machine's OpenBLAS pins. */
function numpyEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function available(command: string, args: string[], env = process.env): boolean {
  return spawnSync(command, args, { stdio: 'ignore', env }).status === 0;
}

/** GFLOP/s of the binding's own 2048³ sgemm (best of 3), or null without the binding. */
function bindingSgemm(): number | null {
  const script = `
    process.env.OPENBLAS_NUM_THREADS = '${os.availableParallelism()}';
    const nb = require('nblas'); const n = 2048;
    const a = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
    let best = Infinity;
    for (let r = 0; r < 4; r++) { const t = process.hrtime.bigint(); nb.sgemm(nb.NoTrans, nb.Trans, n, n, n, 1, a, n, a, n, 0, c, n); best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9); }
    console.log(2 * n ** 3 / best / 1e9);`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  return run.status === 0 ? Number(run.stdout) : null;
}

function numpySgemm(): { version: string; gflops: number } | null {
  const script = 'import numpy as np, time, json\nn=2048\na=np.ones((n,n),np.float32)\nb=[]\nfor r in range(4):\n  t=time.perf_counter(); a@a.T; b.append(time.perf_counter()-t)\nprint(json.dumps({"version": np.__version__, "gflops": 2*n**3/min(b)/1e9}))';
  const run = spawnSync('python3', ['-c', script], { encoding: 'utf8', env: numpyEnv() });
  return run.status === 0 ? JSON.parse(run.stdout) : null;
}

interface Tool {
  label: string;
  kind: 'ntk-cli openblas' | 'ntk-cli tfjs' | 'numpy' | 'torch';
  /** Run with the machine's OpenBLAS pin (OPENBLAS_CORETYPE) removed. */
  unpinned: boolean;
  /** Run in the machine's own environment (as the sgemm reference was measured). */
  asMachine: boolean;
  /** One run: wall, RSS, kernel seconds and product seconds (null where the tool does not say). */
  run: () => { wall: number; rssMB: number; kernel: number; products: number | null };
  flops: number;
}

/**
 * ntk-cli on a case. `unpinned`: with the machine's OpenBLAS pins removed, as
 * the NumPy peer runs (the same kernel selection for both: OpenBLAS picks its
 * kernels by CPU where OPENBLAS_CORETYPE does not force older ones).
 */
function ntkCliTool(c: Case, linalg: 'blas' | 'tfjs', unpinned = false): Tool {
  const out = path.join(TMP, 'k.npy');
  const pinned = process.env.OPENBLAS_CORETYPE !== undefined;
  return {
    label: linalg === 'blas' ? `ntk-cli (OpenBLAS${unpinned ? ', OPENBLAS_CORETYPE unset' : pinned ? `, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE}` : ''})` : 'ntk-cli --linalg tfjs (wasm)',
    kind: linalg === 'blas' ? 'ntk-cli openblas' : 'ntk-cli tfjs',
    unpinned: unpinned || process.env.OPENBLAS_CORETYPE === undefined,
    asMachine: !unpinned,
    flops: c.n * (c.n + 1) * (c.d + 2 * c.w),
    run: () => {
      const r = timed(process.execPath, [BIN, 'kernel', '--samples', `${c.n}`, '--input-dim', `${c.d}`, '--width', `${c.w}`, '--linalg', linalg, '--out', out, '--json'], unpinned ? numpyEnv() : process.env);
      fs.rmSync(out, { force: true });
      const report = JSON.parse(r.stdout);
      return { wall: r.wall, rssMB: r.rssMB, kernel: report.seconds.kernel, products: report.seconds.products };
    },
  };
}

/** NumPy without the machine's OpenBLAS pin (as a current NumPy runs), or with it (`pinned`: the same setting as ntk-cli's pinned rows). */
function numpyTool(c: Case, pinned = false): Tool {
  return {
    label: `NumPy structured formula${pinned ? ` (OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE})` : ''}`,
    kind: 'numpy',
    unpinned: !pinned,
    asMachine: pinned || process.env.OPENBLAS_CORETYPE === undefined,
    flops: 2 * c.n * c.n * (c.d + 2 * c.w),
    run: () => {
      // Saved as ntk-cli saves it: both processes end with the kernel in a float32 .npy.
      const out = path.join(TMP, 'numpy.npy');
      const r = timed('python3', [path.join(ROOT, 'bench', 'numpy_peer.py'), `${c.n}`, `${c.d}`, `${c.w}`, out], pinned ? process.env : numpyEnv());
      fs.rmSync(out, { force: true });
      const seconds = JSON.parse(r.stdout).seconds;
      return { wall: r.wall, rssMB: r.rssMB, kernel: seconds, products: null };
    },
  };
}

function torchTool(c: Case, method: 'functorch' | 'seed'): Tool {
  return {
    label: method === 'functorch' ? 'PyTorch functorch vmap(jacrev)' : "PyTorch, the seed's loop",
    kind: 'torch',
    // Run as the machine is set.
    unpinned: process.env.OPENBLAS_CORETYPE === undefined,
    asMachine: true,
    flops: 0,
    run: () => {
      const r = timed(DEBIAN_PYTHON, [path.join(ROOT, 'bench', 'torch_peers.py'), method, `${c.n}`, `${c.d}`, `${c.w}`]);
      return { wall: r.wall, rssMB: r.rssMB, kernel: JSON.parse(r.stdout).seconds, products: null };
    },
  };
}

function log(message: string): void {
  process.stderr.write(message + '\n');
}

function startupSection(runs: number, torch: boolean): string[] {
  const lines = ['', '### Start-up', '', '| command | median wall s | ratio |', '| --- | ---: | ---: |'];
  // The wall clock around the child, to 0.1 ms (GNU time's 10 ms steps are a quarter of Node's start-up).
  const measure = (command: string, args: string[]) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: TMP, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const node: number[] = [];
  const help: number[] = [];
  const version: number[] = [];
  const heatmap: number[] = [];
  const seed: number[] = [];
  // One unmeasured run first: a command's first run fills its code cache (src/cli/compileCache.ts).
  measure(process.execPath, [BIN, 'heatmap', '--out', path.join(TMP, 'ntk.png')]);
  // Each order equally often (every permutation of the three start-up commands in turn; the heatmap
  // and the seed's script alternating): a process right after another one, Python above all, runs
  // a few milliseconds slower, as much as the differences measured here.
  const permutations = <T>(items: T[]): T[][] =>
    items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
  const startups = permutations([
    () => node.push(measure(process.execPath, ['-e', '0'])),
    () => help.push(measure(process.execPath, [BIN, '--help'])),
    () => version.push(measure(process.execPath, [BIN, '--version'])),
  ]);
  for (let r = 0; r < runs * 10; r++) for (const run of startups[r % startups.length]) run();
  const pictures = [
    () => heatmap.push(measure(process.execPath, [BIN, 'heatmap', '--out', path.join(TMP, 'ntk.png')])),
    () => torch && seed.push(measure(DEBIAN_PYTHON, [path.join(ROOT, 'bench', 'seed_script.py'), path.join(TMP, 'seed.png')])),
  ];
  for (let r = 0; r < runs * 4; r++) for (const run of r % 2 ? [...pictures].reverse() : pictures) run();
  const n0 = median(node);
  lines.push(`| \`node -e 0\` | ${n0.toFixed(4)} | 1.00 |`);
  lines.push(`| \`ntk-cli --help\` | ${median(help).toFixed(4)} | ${(median(help) / n0).toFixed(2)} × node |`);
  lines.push(`| \`ntk-cli --version\` | ${median(version).toFixed(4)} | ${(median(version) / n0).toFixed(2)} × node |`);
  if (torch) {
    const s = median(seed);
    lines.push(`| the seed's script (PyTorch + matplotlib) | ${s.toFixed(4)} | 1.00 |`);
    lines.push(`| \`ntk-cli heatmap\` (defaults) | ${median(heatmap).toFixed(4)} | ${(median(heatmap) / s).toFixed(3)} × the seed's script |`);
  } else lines.push(`| \`ntk-cli heatmap\` (defaults) | ${median(heatmap).toFixed(4)} | |`);
  return lines;
}

/** `spectrum` against NumPy's eigvalsh (all eigenvalues, n = 2000) and SciPy's eigsh (top 20, n = 20,000). */
function spectrumSection(runs: number, quick: boolean, scipy: boolean): string[] {
  const lines = ['', '### Spectra', '', '| case | tool | process s | solver s | peak RSS MB | process / peer |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  const cases = [
    { name: 'all eigenvalues, n = 2000', n: 2000, d: 100, w: 1024, top: null as number | null },
    { name: 'top 20, n = 20,000', n: 20000, d: 100, w: 512, top: 20 },
  ];
  for (const c of cases) {
    if (quick && c.n > 5000) continue;
    if (c.top !== null && !scipy) continue;
    const file = path.join(TMP, `spectrum-${c.n}.npy`);
    log(`${c.name}: writing the kernel`);
    timed(process.execPath, [BIN, 'kernel', '--samples', `${c.n}`, '--input-dim', `${c.d}`, '--width', `${c.w}`, '--out', file]);
    const ours: Run[] = [];
    const peers: Run[] = [];
    for (let r = 0; r < runs; r++) {
      log(`${c.name}: run ${r + 1}`);
      ours.push(timed(process.execPath, [BIN, 'spectrum', file, '--out', path.join(TMP, 'spectrum.png'), '--json', ...(c.top ? ['--top', `${c.top}`] : [])]));
      peers.push(
        c.top
          ? timed(DEBIAN_PYTHON, [path.join(ROOT, 'bench', 'spectrum_peer.py'), 'eigsh', file, `${c.top}`])
          : timed('python3', [path.join(ROOT, 'bench', 'spectrum_peer.py'), 'eigvalsh', file], numpyEnv()),
      );
    }
    fs.rmSync(file, { force: true });
    const peerLabel = c.top ? "SciPy eigsh (Debian's, ARPACK)" : 'NumPy eigvalsh';
    const ourWall = median(ours.map((r) => r.wall));
    const peerWall = median(peers.map((r) => r.wall));
    const ourSolve = median(ours.map((r) => JSON.parse(r.stdout).seconds.solve));
    const peerSolve = median(peers.map((r) => JSON.parse(r.stdout).seconds));
    lines.push(`| ${c.name} | ntk-cli spectrum${c.top ? ` --top ${c.top}` : ''} | ${ourWall.toFixed(3)} | ${ourSolve.toFixed(3)} | ${Math.max(...ours.map((r) => r.rssMB)).toFixed(0)} | ${(ourWall / peerWall).toFixed(2)} |`);
    lines.push(`| ${c.name} | ${peerLabel} | ${peerWall.toFixed(3)} | ${peerSolve.toFixed(3)} | ${Math.max(...peers.map((r) => r.rssMB)).toFixed(0)} | 1.00 |`);
  }
  return lines;
}

/** Infinite-width kernels: a closed form (relu) against quadrature (tanh), n = 1000, depth 3. */
function infiniteWidthSection(runs: number): string[] {
  const lines = ['', '### Infinite width (n = 1000, d = 20, depth 3)', '', '| activation | method | process s | kernel s |', '| --- | --- | ---: | ---: |'];
  for (const activation of ['relu', 'tanh']) {
    const walls: number[] = [];
    const kernels: number[] = [];
    let method = '';
    for (let r = 0; r < runs; r++) {
      log(`infinite width, ${activation}: run ${r + 1}`);
      const run = timed(process.execPath, [BIN, 'kernel', '--width', 'inf', '--parameterization', 'ntk', '--depth', '3', '--samples', '1000', '--activation', activation, '--out', path.join(TMP, 'inf.npy'), '--json']);
      const report = JSON.parse(run.stdout);
      walls.push(run.wall);
      kernels.push(report.seconds.kernel);
      method = report.infinite_width;
    }
    lines.push(`| ${activation} | ${method}, ${os.availableParallelism()} threads | ${median(walls).toFixed(3)} | ${median(kernels).toFixed(3)} |`);
  }
  return lines;
}

/**
 * Convolutional networks: the PyTorch NTK tutorial's CNN at n = 128 (the whole
 * 1280 × 1280 kernel over its 10 outputs) against functorch's vmap(jacrev)
 * contraction on the same network and inputs; the CNTK of digits through two
 * 3×3 'same' convolutions with a flatten readout (n = 1000), and with gap
 * after avgpool:2 (n = 200).
 */
function cnnSection(runs: number, torch: boolean): string[] {
  const lines = ['', '### Convolutional networks', '', '| case | tool | process s | kernel s | peak RSS MB | process / functorch | RSS / functorch |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  const tutorial = ['kernel', '--arch', 'conv:32:3,relu,conv:32:3,relu,conv:32:3,flatten,dense:10', '--input-shape', '3x32x32', '--samples', '128', '--trace', 'none', '--out', path.join(TMP, 'cnn.npy'), '--json'];
  const ours: Run[] = [];
  const peers: Run[] = [];
  const fromOnnx: Run[] = [];
  // The same network exported by PyTorch, read with --model.
  const onnxFile = path.join(TMP, 'cnn.onnx');
  if (torch) timed(DEBIAN_PYTHON, [path.join(ROOT, 'bench', 'torch_peers.py'), 'cnn-onnx', onnxFile]);
  const viaOnnx = ['kernel', '--model', onnxFile, ...tutorial.slice(tutorial.indexOf('--samples'))];
  for (let r = 0; r < runs; r++) {
    log(`tutorial CNN, n = 128: run ${r + 1}`);
    ours.push(timed(process.execPath, [BIN, ...tutorial]));
    if (torch) peers.push(timed(DEBIAN_PYTHON, [path.join(ROOT, 'bench', 'torch_peers.py'), 'cnn', '128']));
    if (torch) fromOnnx.push(timed(process.execPath, [BIN, ...viaOnnx]));
  }
  const wall = (rs: Run[]) => median(rs.map((r) => r.wall));
  const rss = (rs: Run[]) => Math.max(...rs.map((r) => r.rssMB));
  const peer = peers.length ? { wall: wall(peers), rss: rss(peers) } : null;
  const ourKernel = median(ours.map((r) => JSON.parse(r.stdout).seconds.kernel));
  const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : '');
  lines.push(`| tutorial CNN, n = 128, 1280² over 10 outputs | ntk-cli (OpenBLAS) | ${wall(ours).toFixed(3)} | ${ourKernel.toFixed(3)} | ${rss(ours).toFixed(0)} | ${ratio(wall(ours), peer?.wall)} | ${ratio(rss(ours), peer?.rss)} |`);
  if (fromOnnx.length) {
    const onnxKernel = median(fromOnnx.map((r) => JSON.parse(r.stdout).seconds.kernel));
    lines.push(`| tutorial CNN, n = 128, 1280² over 10 outputs | ntk-cli --model (PyTorch's ONNX export) | ${wall(fromOnnx).toFixed(3)} | ${onnxKernel.toFixed(3)} | ${rss(fromOnnx).toFixed(0)} | ${ratio(wall(fromOnnx), peer?.wall)} | ${ratio(rss(fromOnnx), peer?.rss)} |`);
  }
  if (peer) lines.push(`| tutorial CNN, n = 128, 1280² over 10 outputs | PyTorch functorch vmap(jacrev) | ${peer.wall.toFixed(3)} | ${median(peers.map((r) => JSON.parse(r.stdout).seconds)).toFixed(3)} | ${peer.rss.toFixed(0)} | 1.00 | 1.00 |`);
  const cntk = [
    { name: 'CNTK, 1000 digits, flatten readout', arch: 'conv:W:3:same,relu,conv:W:3:same,relu,flatten,dense:1', n: 1000 },
    { name: 'CNTK, 200 digits, avgpool:2 … gap', arch: 'avgpool:2,conv:W:3:same,relu,conv:W:3:same,relu,gap,dense:1', n: 200 },
  ];
  for (const c of cntk) {
    const runsOf: Run[] = [];
    for (let r = 0; r < runs; r++) {
      log(`${c.name}: run ${r + 1}`);
      runsOf.push(timed(process.execPath, [BIN, 'kernel', '--arch', c.arch, '--width', 'inf', '--parameterization', 'ntk', '--dataset', 'digits', '--samples', `${c.n}`, '--out', path.join(TMP, 'cntk.npy'), '--json']));
    }
    lines.push(`| ${c.name} | ntk-cli, ${os.availableParallelism()} threads | ${wall(runsOf).toFixed(3)} | ${median(runsOf.map((r) => JSON.parse(r.stdout).seconds.kernel)).toFixed(3)} | ${rss(runsOf).toFixed(0)} | | |`);
  }
  return lines;
}

/** Sorting by class is a permutation of the kernel, not a recomputation: the digits heatmap sorted and not. */
function sortingSection(runs: number): string[] {
  const lines = ['', '### Sorting by class (digits, n = 1000, d = 784)', '', '| heatmap | process s |', '| --- | ---: |'];
  for (const order of ['label', 'none']) {
    const walls: number[] = [];
    for (let r = 0; r < runs; r++) {
      log(`digits heatmap, --sort-by ${order}: run ${r + 1}`);
      walls.push(timed(process.execPath, [BIN, 'heatmap', '--dataset', 'digits', '--samples', '1000', '--sort-by', order, '--out', path.join(TMP, 'digits.png')]).wall);
    }
    lines.push(`| \`--sort-by ${order}\` | ${median(walls).toFixed(3)} |`);
  }
  return lines;
}

/** The WebGPU adapter Dawn offers here, asked in a child process (the bench itself loads no GPU code). */
function webgpuAdapter(): { description: string; fallback: boolean } | { reason: string } {
  const script = `require('./dist/src/tfjs/webgpu').probeWebGpu().then((a) => { console.log(JSON.stringify(a)); process.exit(0); });`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  return run.status === 0 ? JSON.parse(run.stdout.trim().split('\n').pop()!) : { reason: run.stderr.trim().split('\n').pop() ?? 'the probe failed' };
}

/**
 * --backend webgpu against the host path. On a hardware adapter: n = 20,000
 * and n = 100,000 (d = 784, w = 2048), the latter streamed to .npy (40 GB of
 * disk) to show bounded host memory. On a software adapter (lavapipe) only a
 * small case: it is a correctness path.
 */
function webgpuSection(runs: number, quick: boolean): string[] {
  const adapter = webgpuAdapter();
  const lines = ['', '### WebGPU', ''];
  if ('reason' in adapter) return [...lines, `Not run: ${adapter.reason}.`];
  lines.push(`Adapter: ${adapter.description} (${adapter.fallback ? 'a software adapter' : 'hardware'}).`, '');
  lines.push('| case | path | process s | kernel s | GFLOP/s | peak RSS MB |', '| --- | --- | ---: | ---: | ---: | ---: |');
  const cases = adapter.fallback ? [{ n: 1000, d: 20, w: 256 }] : quick ? [{ n: 20000, d: 784, w: 2048 }] : [{ n: 20000, d: 784, w: 2048 }, { n: 100000, d: 784, w: 2048 }];
  for (const c of cases) {
    const out = path.join(TMP, 'k.npy');
    for (const backend of c.n > 20000 ? ['webgpu'] : ['webgpu', 'auto']) {
      const args = [BIN, 'kernel', '--samples', `${c.n}`, '--input-dim', `${c.d}`, '--width', `${c.w}`, '--backend', backend, '--out', out, '--json'];
      const rs = Array.from({ length: c.n > 20000 ? 1 : runs }, () => {
        log(`webgpu: n = ${c.n}, --backend ${backend}`);
        const r = timed(process.execPath, args);
        fs.rmSync(out, { force: true });
        return { wall: r.wall, rss: r.rssMB, kernel: JSON.parse(r.stdout).seconds.kernel as number };
      });
      const kernel = median(rs.map((r) => r.kernel));
      const gflops = (c.n * (c.n + 1) * (c.d + 2 * c.w)) / kernel / 1e9;
      const label = backend === 'webgpu' ? 'ntk-cli --backend webgpu' : 'ntk-cli on the host (OpenBLAS)';
      lines.push(`| n = ${c.n}, d = ${c.d}, w = ${c.w} | ${label} | ${median(rs.map((r) => r.wall)).toFixed(2)} | ${kernel.toFixed(2)} | ${gflops < 10 ? gflops.toFixed(2) : gflops.toFixed(0)} | ${Math.max(...rs.map((r) => r.rss)).toFixed(0)} |`);
    }
  }
  return lines;
}

interface Setting {
  quick: boolean;
  runs: number;
  torch: boolean;
  numpy: { version: string; gflops: number } | null;
  sgemm: number | null;
}

/** The kernels of MLPs against NumPy's structured formula and the PyTorch peers. */
function kernelsSection({ quick, runs, torch, numpy, sgemm }: Setting): string[] {
  const lines = ['', '### Kernels', '', '| case | tool | process s | kernel s | products s | GFLOP/s | of sgemm | peak RSS MB | process / NumPy | kernel / NumPy |'];
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of CASES) {
    if (quick && c.n > 5000) continue;
    const tools: Tool[] = [ntkCliTool(c, 'blas')];
    // Where the machine pins OpenBLAS's kernels, also as the NumPy peer runs: without the pin.
    if (process.env.OPENBLAS_CORETYPE !== undefined) tools.push(ntkCliTool(c, 'blas', true));
    if (numpy) tools.push(numpyTool(c));
    if (numpy && process.env.OPENBLAS_CORETYPE !== undefined) tools.push(numpyTool(c, true));
    if (c.tfjs) tools.push(ntkCliTool(c, 'tfjs'));
    if (torch && c.functorch) tools.push(torchTool(c, 'functorch'));
    if (torch && c.seedLoop) tools.push(torchTool(c, 'seed'));
    const results = tools.map(() => [] as ReturnType<Tool['run']>[]);
    // A process of a fraction of a second moves by 30–50% between runs on a shared machine, where one
    // slow run of three decides the median: the cases up to n = 2000 run SHORT_RUNS times.
    const caseRuns = c.n <= 2000 ? Math.max(runs, SHORT_RUNS) : runs;
    // Each round in its own order (shuffled, the same every bench): a process right after one that
    // freed much memory (functorch's 1.2 GB) first-touches memory this virtual machine serves slowly
    // (measured: ntk-cli's n = 2000 kernel 0.097–0.143 s right after functorch, 0.076–0.091 s after
    // another ntk-cli run), and no tool should always follow the same one.
    const shuffle = seededShuffle(c.n);
    for (let r = 0; r < caseRuns; r++) {
      for (const i of shuffle(tools.map((_, k) => k))) {
        log(`${c.name}: ${tools[i].label}, run ${r + 1}`);
        results[i].push(tools[i].run());
      }
    }
    const summary = results.map((rs) => ({
      wall: median(rs.map((x) => x.wall)),
      kernel: median(rs.map((x) => x.kernel)),
      products: rs[0].products === null ? null : median(rs.map((x) => x.products!)),
      rss: Math.max(...rs.map((x) => x.rssMB)),
    }));
    // Each row against NumPy run the same way (pinned rows against pinned NumPy where the machine pins).
    const numpyFor = (tool: Tool) => {
      const same = tools.findIndex((t) => t.kind === 'numpy' && t.unpinned === tool.unpinned);
      return same >= 0 ? summary[same]! : null;
    };
    tools.forEach((tool, i) => {
      const s = summary[i];
      const np = numpyFor(tool);
      const productTime = s.products ?? (tool.kind === 'numpy' ? s.kernel : null);
      const gflops = tool.flops && productTime ? tool.flops / productTime / 1e9 : null;
      const ofSgemm = gflops && sgemm && tool.kind === 'ntk-cli openblas' && tool.asMachine ? `${((100 * gflops) / sgemm).toFixed(0)}%` : '';
      lines.push(
        `| ${c.name} | ${tool.label} | ${s.wall.toFixed(3)} | ${s.kernel.toFixed(3)} | ${s.products === null ? '' : s.products.toFixed(3)} | ${gflops ? gflops.toFixed(0) : ''} | ${ofSgemm} | ${s.rss.toFixed(0)} | ${np ? (s.wall / np.wall).toFixed(2) : ''} | ${np ? (s.kernel / np.kernel).toFixed(2) : ''} |`,
      );
    });
  }
  return lines;
}

/** The bench's sections in order; `--only a,b` runs some of them. */
const SECTIONS: Record<string, (setting: Setting) => string[]> = {
  startup: ({ runs, torch }) => startupSection(runs, torch),
  kernels: kernelsSection,
  spectra: ({ runs, quick, numpy }) => (numpy ? spectrumSection(runs, quick, available(DEBIAN_PYTHON, ['-c', 'import scipy.sparse.linalg'])) : []),
  infinite: ({ runs, quick }) => infiniteWidthSection(quick ? 1 : runs),
  cnn: ({ runs, torch }) => cnnSection(runs, torch),
  sorting: ({ runs }) => sortingSection(runs),
  webgpu: ({ runs, quick }) => webgpuSection(runs, quick),
};

function main(): void {
  const argument = (flag: string) => {
    const at = process.argv.indexOf(flag);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const only = argument('--only')?.split(',') ?? Object.keys(SECTIONS);
  const unknown = only.find((name) => !(name in SECTIONS));
  if (unknown) throw new Error(`--only ${unknown}: the sections are ${Object.keys(SECTIONS).join(', ')}`);
  const runs = Number(argument('--runs') ?? 3);
  const setting: Setting = {
    quick: process.argv.includes('--quick'),
    runs,
    torch: available(DEBIAN_PYTHON, ['-c', 'import torch, functorch, matplotlib']),
    numpy: numpySgemm(),
    sgemm: bindingSgemm(),
  };
  const { torch, numpy, sgemm } = setting;
  const lines: string[] = [];
  lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${runs} alternating runs (${Math.max(runs, SHORT_RUNS)} for the kernels up to n = 2000), medians.`);
  lines.push(
    `ntk-cli's OpenBLAS 2048³ sgemm through nblas: ${sgemm ? `${sgemm.toFixed(0)} GFLOP/s` : 'binding not installed'}` +
      ` (OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? 'unset'}); NumPy ${numpy ? `${numpy.version}: ${numpy.gflops.toFixed(0)} GFLOP/s` : 'not available'} (OPENBLAS_CORETYPE unset).`,
  );
  if (!torch) lines.push('PyTorch peers skipped: /usr/bin/python3 with torch, functorch and matplotlib is not available.');
  for (const name of only) {
    log(`${name}…`);
    lines.push(...SECTIONS[name](setting));
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main();
