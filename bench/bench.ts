/**
 * `npm run bench`: ntk-cli against its peers on this machine, as a Markdown table.
 *
 * Each run is a whole process under GNU time (wall seconds and peak RSS). ntk-cli's
 * kernel-only time comes from its --json; the Python peers (bench/peers.py, run
 * with /usr/bin/python3 when numpy and torch import) report their kernel time.
 * GFLOP/s counts the structured formula's matrix products, 2·n²·(d + 2w), the
 * same for every tool (ntk-cli computes only half of them, by symmetry).
 * `npm run bench -- --quick` leaves out the n = 20,000 case.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Case {
  name: string;
  n: number;
  d: number;
  w: number;
  naive: boolean;
  seed: boolean;
  functorch: boolean;
}

const CASES: Case[] = [
  { name: "the seed's defaults", n: 100, d: 20, w: 10, naive: true, seed: true, functorch: true },
  { name: 'n = 1000, w = 256', n: 1000, d: 20, w: 256, naive: true, seed: true, functorch: true },
  { name: 'n = 2000, d = 100, w = 1024', n: 2000, d: 100, w: 1024, naive: false, seed: false, functorch: true },
  { name: 'n = 20,000, d = 784, w = 2048', n: 20000, d: 784, w: 2048, naive: false, seed: false, functorch: false },
];

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = '/usr/bin/python3';

interface Measured {
  tool: string;
  wall: number;
  kernel: number;
  rssMB: number;
}

/** Run under GNU time; returns stdout, wall seconds and peak RSS. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { stdout: string; wall: number; rssMB: number } {
  const stats = path.join(os.tmpdir(), `ntk-bench-${process.pid}.time`);
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', stats, command, ...args], { cwd: ROOT, env, maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString().trim()}`);
  const [wall, rssKB] = fs.readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  fs.rmSync(stats, { force: true });
  return { stdout: result.stdout.toString(), wall, rssMB: rssKB / 1024 };
}

function ntkCli(c: Case, method: string): Measured {
  const out = path.join(os.tmpdir(), `ntk-bench-${process.pid}.npy`);
  const args = ['bin/ntk-cli.js', 'kernel', '--samples', `${c.n}`, '--input-dim', `${c.d}`, '--width', `${c.w}`, '--method', method, '--out', out, '--json'];
  const run = timed(process.execPath, args);
  fs.rmSync(out, { force: true });
  const report = JSON.parse(run.stdout);
  return { tool: `ntk-cli ${method} (${report.backend}, ${os.availableParallelism()} threads)`, wall: run.wall, kernel: report.seconds.kernel, rssMB: run.rssMB };
}

function peer(c: Case, method: string, label: string): Measured {
  // OPENBLAS_CORETYPE/L2_SIZE slow a current OpenBLAS where this workplace sets them; unset for the peer only.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const run = timed(PYTHON, ['bench/peers.py', method, `${c.n}`, `${c.d}`, `${c.w}`], env);
  return { tool: label, wall: run.wall, kernel: JSON.parse(run.stdout).seconds, rssMB: run.rssMB };
}

function pythonPeersAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import numpy, torch, functorch'], { stdio: 'ignore' }).status === 0;
}

function blasName(): string {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy; numpy.show_config()'], { encoding: 'utf8' });
  const linked = spawnSync('readlink', ['-f', '/usr/lib/x86_64-linux-gnu/libblas.so.3'], { encoding: 'utf8' }).stdout.trim();
  return linked || (probe.stdout.match(/libraries = \[([^\]]*)\]/)?.[1] ?? 'unknown');
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const peers = pythonPeersAvailable();
  const lines: string[] = [];
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.availableParallelism()} cores (${cpu}), Node ${process.version}.`);
  if (peers) lines.push(`Peers: ${PYTHON} with Debian's numpy (BLAS: ${blasName()}) and torch; GFLOP/s counts 2·n²·(d + 2w).`);
  else lines.push('Python peers skipped: /usr/bin/python3 with numpy, torch and functorch is not available.');
  lines.push('', '| case | tool | process ms | kernel ms | GFLOP/s | peak RSS MB | kernel time / NumPy |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of CASES) {
    if (quick && c.n > 5000) continue;
    const runs: Measured[] = [ntkCli(c, 'structured')];
    if (c.naive) runs.push(ntkCli(c, 'naive'));
    if (peers) {
      runs.push(peer(c, 'numpy', 'NumPy structured formula (float32)'));
      if (c.functorch) runs.push(peer(c, 'functorch', 'PyTorch functorch vmap(jacrev)'));
      if (c.seed) runs.push(peer(c, 'seed', "PyTorch, the seed's method"));
    }
    const numpy = runs.find((r) => r.tool.startsWith('NumPy'));
    const flops = 2 * c.n * c.n * (c.d + 2 * c.w);
    for (const r of runs) {
      const ratio = numpy ? (r.kernel / numpy.kernel).toFixed(2) : '–';
      lines.push(
        `| ${c.name} | ${r.tool} | ${(r.wall * 1000).toFixed(0)} | ${(r.kernel * 1000).toFixed(1)} | ${(flops / r.kernel / 1e9).toFixed(1)} | ${r.rssMB.toFixed(0)} | ${ratio} |`,
      );
      process.stderr.write(`${c.name}: ${r.tool} ${r.kernel.toFixed(3)} s\n`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main();
