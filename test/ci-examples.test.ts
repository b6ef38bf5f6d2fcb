/**
 * The CI examples in examples/ci run as written: each file is parsed as YAML,
 * the steps that call ntk-cli are run here (with `ntk-cli` on PATH pointing at
 * this checkout; the install steps are the user's machine's business), every
 * file the upload step names must exist, and the gate passes on the example's
 * thresholds and fails on thresholds built to be crossed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { encodeNpy } from '../src/io/npy';
import { BIN, ROOT, runCli, tempDir } from './helpers';

/** A singular kernel (rank 2, with a zero row and column: λ_min = 0) at dir/ntk/kernel.npy. */
function singularKernel(dir: string): string {
  const n = 12;
  const k = new Float32Array(n * n);
  for (let i = 1; i < n; i++) for (let j = 1; j < n; j++) k[i * n + j] = 1 + Math.cos(i - j);
  fs.mkdirSync(path.join(dir, 'ntk'), { recursive: true });
  const file = path.join(dir, 'ntk', 'kernel.npy');
  fs.writeFileSync(file, encodeNpy(k, [n, n]));
  return file;
}

const EXAMPLES = path.join(ROOT, 'examples', 'ci');

/** A directory with `ntk-cli` (this checkout) on PATH, as `npm install --global` would give. */
function pathWithNtkCli(): string {
  const bin = path.join(tempDir(), 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'ntk-cli'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  return `${bin}${path.delimiter}${process.env.PATH}`;
}

function runScript(script: string, cwd: string, env: Record<string, string>): { status: number | null; stderr: string } {
  // GitHub runs `run:` with `bash -eo pipefail`; GitLab stops at the first failing line.
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    env: { ...process.env, ...env, PATH: pathWithNtkCli() },
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

/** The Debian packages .ci/setup installs: the examples' install steps must name every one. */
function setupPackages(): string[] {
  const setup = fs.readFileSync(path.join(ROOT, '.ci', 'setup'), 'utf8');
  return /^packages=\(([^)]*)\)/m.exec(setup)![1].trim().split(/\s+/);
}

function assertInstallsEverything(install: string, where: string): void {
  for (const name of setupPackages()) assert.match(install, new RegExp(`\\b${name.replace(/[.+]/g, '\\$&')}\\b`), `${where} does not install ${name}`);
  assert.match(install, /npm install --global "\$NTK_CLI"/, where);
}

function assertArtifacts(dir: string, files: string[]): void {
  for (const file of files) {
    const full = path.join(dir, file);
    assert.ok(fs.existsSync(full), `${file} was not written`);
    const bytes = fs.readFileSync(full);
    if (file.endsWith('.png')) assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', file);
    if (file.endsWith('.json')) assert.equal(typeof JSON.parse(bytes.toString('utf8')), 'object', file);
  }
}

test('the GitHub Actions workflow computes, uploads every file it names, and gates', () => {
  const workflow = parse(fs.readFileSync(path.join(EXAMPLES, 'github-actions.yml'), 'utf8'));
  const job = workflow.jobs.ntk;
  const steps: { name?: string; run?: string; uses?: string; if?: string; with?: Record<string, string> }[] = job.steps;
  const env: Record<string, string> = job.env;
  const install = steps.find((s) => s.name === 'Install ntk-cli')!;
  assertInstallsEverything(install.run!, 'the install step');
  assert.ok(steps.some((s) => s.uses?.startsWith('actions/cache@') && s.with?.path === '~/.npm'), 'npm is cached');

  const dir = tempDir();
  const compute = steps.filter((s) => s.run?.includes('ntk-cli ') && !s.run.includes('apt-get') && !s.name?.startsWith('Gate'));
  assert.equal(compute.length, 1);
  const ran = runScript(compute[0].run!, dir, env);
  assert.equal(ran.status, 0, ran.stderr);

  const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
  assert.equal(upload.if, 'always()', 'artifacts are uploaded even when a later step fails');
  const uploaded = upload.with!.path.split('\n').map((line) => line.trim()).filter(Boolean);
  assert.ok(uploaded.length >= 6);
  assertArtifacts(dir, uploaded);

  const gate = steps.find((s) => s.name?.startsWith('Gate'))!;
  assert.equal(runScript(gate.run!, dir, env).status, 0, 'the gate passes on the example');
  assert.notEqual(runScript(gate.run!, dir, { ...env, MAX_CONDITION_NUMBER: '10' }).status, 0, 'a condition number over 10 fails the job');
  assert.notEqual(runScript(gate.run!, dir, { ...env, MAX_DISTANCE: '0.001' }).status, 0, 'a distance over 0.001 fails the job');

  // A singular kernel: its condition number is "inf" in the JSON, and the gate as written fails the job.
  const singular = runCli(['spectrum', singularKernel(dir), '--out', path.join(dir, 'ntk', 'spectrum.png'), '--json']);
  assert.equal(singular.status, 0, singular.stderr);
  assert.equal(JSON.parse(singular.stdout).condition_number, 'inf');
  fs.writeFileSync(path.join(dir, 'ntk', 'spectrum.json'), singular.stdout);
  assert.notEqual(runScript(gate.run!, dir, env).status, 0, 'a singular kernel fails the job');
});

test('the GitLab CI job computes, keeps its artifacts, and fails with exit 3 when a gate trips', () => {
  const config = parse(fs.readFileSync(path.join(EXAMPLES, 'gitlab-ci.yml'), 'utf8'));
  const job = config.ntk;
  assertInstallsEverything(job.before_script.join('\n'), 'before_script');
  assert.deepEqual(job.cache.paths, ['.npm/']);
  assert.equal(job.artifacts.when, 'always');
  const dir = tempDir();
  const variables = { ...job.variables, CI_PROJECT_DIR: dir };
  const script = (job.script as string[]).join('\n');
  const ran = runScript(script, dir, variables);
  assert.equal(ran.status, 0, ran.stderr);
  assert.deepEqual(job.artifacts.paths, ['ntk/']);
  const files = ['heatmap.png', 'heatmap.json', 'kernel.npy', 'spectrum.png', 'spectrum.json', 'converge.png', 'converge.json'];
  assertArtifacts(path.join(dir, 'ntk'), files);

  const failing = runScript(script, tempDir(), { ...variables, MAX_CONDITION_NUMBER: '10' });
  assert.equal(failing.status, 3, failing.stderr);
  assert.match(failing.stderr, /^ntk-cli: error: --fail-if 'condition_number > 10' holds: condition_number is \d/m);

  // The spectrum step on a singular kernel: the gate trips, exit 3.
  const singularDir = tempDir();
  singularKernel(singularDir);
  const spectrumLine = (job.script as string[]).find((line) => line.includes('ntk-cli spectrum'))!;
  const singular = runScript(spectrumLine, singularDir, variables);
  assert.equal(singular.status, 3, singular.stderr);
  assert.match(singular.stderr, /condition_number is inf/);
});
