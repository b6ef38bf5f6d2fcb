/**
 * The Slurm example on a real Slurm: a one-node cluster (munged, slurmctld,
 * slurmd from Debian's munge and slurm-wlm) started here in a temporary
 * directory as root, examples/slurm/submit.sh submitted unchanged (ntk-cli's
 * path through NTK_CLI), and the merged kernel compared byte for byte with
 * one run. The daemons this test started are stopped by their process ids.
 * Where Slurm is not installed, or the daemons cannot start (not root), the
 * test is skipped and says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, ROOT, runCli, tempDir } from './helpers';

const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo'];

function which(name: string): string | null {
  const found = spawnSync('bash', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  return found ? found : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every half second for at most `seconds`; true when it held. */
async function until(check: () => boolean, seconds: number): Promise<boolean> {
  for (let waited = 0; waited < seconds * 1000; waited += 500) {
    if (check()) return true;
    await sleep(500);
  }
  return check();
}

interface Cluster {
  env: NodeJS.ProcessEnv;
  daemons: ChildProcess[];
}

/** A one-node cluster in `dir`, or the reason it cannot start. */
async function startCluster(dir: string): Promise<Cluster | string> {
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length) return `Slurm is not installed here (no ${missing.join(', ')}; .ci/setup installs slurm-wlm and munge)`;
  if (process.getuid?.() !== 0) return 'the daemons run as root here (SlurmUser=root), and this test is not root';
  const host = os.hostname().split('.')[0]!;
  for (const sub of ['state', 'spool', 'log']) fs.mkdirSync(path.join(dir, sub));
  const key = path.join(dir, 'munge.key');
  fs.writeFileSync(key, crypto.randomBytes(1024), { mode: 0o600 });
  const socket = path.join(dir, 'munge.sock');
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'slurm.conf');
  fs.writeFileSync(
    conf,
    [
      'ClusterName=ntkclitest',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MpiDefault=none',
      'JobCompType=jobcomp/none',
      'AccountingStorageType=accounting_storage/none',
      `NodeName=${host} CPUs=${Math.max(2, os.availableParallelism())} State=UNKNOWN`,
      'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons: ChildProcess[] = [];
  const start = (command: string, args: string[]) => {
    const child = spawn(which(command)!, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    daemons.push(child);
    return child;
  };
  start('munged', ['--foreground', '--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${dir}/munged.pid`, `--log-file=${dir}/log/munged.log`, `--seed-file=${dir}/munge.seed`]);
  if (!(await until(() => fs.existsSync(socket), 10))) return stopWith(daemons, `munged did not start (${dir}/log/munged.log)`);
  start('slurmctld', ['-D', '-f', conf]);
  start('slurmd', ['-D', '-f', conf]);
  const idle = await until(() => /idle/.test(spawnSync(which('sinfo')!, ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout), 30);
  if (!idle) return stopWith(daemons, `the node did not come up (${dir}/log/slurmctld.log, slurmd.log)`);
  return { env, daemons };
}

function stopWith(daemons: ChildProcess[], reason: string): string {
  stopDaemons(daemons);
  return reason;
}

/** SIGTERM to the daemons this test started (slurmd, slurmctld, then munged), by process id. */
function stopDaemons(daemons: ChildProcess[]): void {
  for (const child of [...daemons].reverse()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

async function waitForExit(daemons: ChildProcess[]): Promise<void> {
  await Promise.all(daemons.map((child) => (child.exitCode !== null || child.signalCode !== null ? null : new Promise((resolve) => child.once('exit', resolve)))));
}

test('a Slurm job array of kernel --task and its merge give the kernel of one run, byte for byte', async (t) => {
  const dir = tempDir('ntk-cli-slurm-');
  const cluster = await startCluster(path.join(dir));
  if (typeof cluster === 'string') {
    t.skip(cluster);
    return;
  }
  try {
    // Three tiles wide (the tile side of a run written to .npy is 4096): six tiles for three tasks.
    const args = '--samples 9000 --input-dim 8 --width 16 --seed 3';
    const env = {
      ...cluster.env,
      NTK_CLI: `${process.execPath} ${BIN}`,
      NTK_ARGS: args,
      NTK_TASKS: '3',
      NTK_BLOCKS: path.join(dir, 'blocks'),
      NTK_KERNEL: path.join(dir, 'merged.npy'),
    };
    const submit = spawnSync('bash', [path.join(ROOT, 'examples', 'slurm', 'submit.sh')], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(submit.status, 0, submit.stderr);
    const [array, merge] = submit.stdout.trim().split(/\s+/);
    assert.match(`${array} ${merge}`, /^\d+ \d+$/);
    const squeue = which('squeue')!;
    const queue = () => spawnSync(squeue, ['-h', '-j', `${array},${merge}`], { env, encoding: 'utf8' }).stdout.trim();
    const finished = await until(() => queue() === '', 240);
    const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => `${f}:\n${fs.readFileSync(path.join(dir, f), 'utf8')}`).join('\n');
    assert.ok(finished, `the jobs did not finish in 240 s; the queue:\n${queue()}\nthe jobs' logs:\n${logs}`);
    assert.ok(fs.existsSync(env.NTK_KERNEL), `no merged kernel; the jobs' logs:\n${logs}`);
    assert.equal(fs.readdirSync(env.NTK_BLOCKS).filter((f) => f.endsWith('.npy')).length >= 3, true, logs);
    const single = path.join(dir, 'single.npy');
    const run = runCli(['kernel', ...args.split(' '), '--threads', '2', '--out', single, '--quiet']);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(fs.readFileSync(env.NTK_KERNEL).equals(fs.readFileSync(single)), 'the merged kernel differs from one run');
  } finally {
    stopDaemons(cluster.daemons);
    await waitForExit(cluster.daemons);
  }
});
