/** `ntk-cli spectrum` against NumPy's eigendecompositions, closed forms and its own full solver. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { spectrumFigure } from '../src/render/spectrumChart';
import { FIXTURES, runCli, tempDir } from './helpers';

const dir = tempDir();
const SPECTRA = path.join(FIXTURES, 'spectrum');
const expected = JSON.parse(fs.readFileSync(path.join(SPECTRA, 'expected.json'), 'utf8'));

function spectrum(args: string[]) {
  const run = runCli(['spectrum', ...args, '--out', path.join(dir, 'chart.png'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

for (const name of ['known', 'seed', 'deep_tanh']) {
  test(`${name}: the eigenvalues and every derived number equal NumPy's`, () => {
    const want = expected[name];
    const targets = name === 'seed' ? ['--targets', path.join(SPECTRA, 'seed_targets.npy')] : [];
    const got = spectrum([path.join(SPECTRA, `${name}.npy`), ...targets]);
    const scale = want.lambda_max;
    assert.equal(got.eigenvalues.length, want.eigenvalues.length);
    // Against NumPy's float32 eigvalsh of the same file (the goal), and its float64 eigh (what the solver does).
    got.eigenvalues.forEach((v: number, i: number) => {
      assert.ok(Math.abs(v - want.numpy_eigvalsh_float32[i]) <= 1e-4 * scale, `eigenvalue ${i}: ${v} vs ${want.numpy_eigvalsh_float32[i]}`);
      assert.ok(Math.abs(v - want.eigenvalues[i]) <= 1e-9 * scale, `eigenvalue ${i}: ${v} vs ${want.eigenvalues[i]}`);
    });
    for (const key of ['lambda_max', 'trace', 'effective_rank', 'max_learning_rate']) assert.ok(relative(got[key], want[key]) <= 1e-6, `${key}: ${got[key]} vs ${want[key]}`);
    // A singular matrix (λ_min ≤ 0) has an infinite condition number, written "inf" in JSON.
    if (want.condition_number === null) assert.equal(got.condition_number, 'inf');
    else assert.ok(relative(got.condition_number, want.condition_number) <= 1e-3, `condition number ${got.condition_number} vs ${want.condition_number}`);
    assert.equal(got.negative_eigenvalues, want.negative_eigenvalues);
    if (want.target_energy) got.target_energy.forEach((v: number, i: number) => assert.ok(Math.abs(v - want.target_energy[i]) <= 1e-6, `energy ${i}`));
  });
}

test('a matrix built from known eigenvalues gives them back, two negative ones counted as such', () => {
  const got = spectrum([path.join(SPECTRA, 'known.npy')]);
  const constructed: number[] = expected.known.constructed_eigenvalues;
  // The matrix was stored in float32: its eigenvalues move by at most ‖ΔK‖₂ ≈ √n·ε·λ_max.
  got.eigenvalues.forEach((v: number, i: number) => assert.ok(Math.abs(v - constructed[i]) <= 1e-5 * constructed[0], `${i}: ${v} vs ${constructed[i]}`));
  assert.equal(got.negative_eigenvalues, 2);
  assert.equal(got.condition_number, 'inf');
});

test('--top k equals the k largest of the full decomposition, with eigenvectors that satisfy K v = λ v (block Krylov at n = 100; the full solver when k is a large share of n)', () => {
  for (const name of ['seed', 'known']) {
    const file = path.join(SPECTRA, `${name}.npy`);
    const full = spectrum([file]);
    const vectorsFile = path.join(dir, `${name}-vectors.npy`);
    const valuesFile = path.join(dir, `${name}-values.npy`);
    const top = spectrum([file, '--top', '5', '--save-eigenvectors', vectorsFile, '--save-eigenvalues', valuesFile]);
    assert.match(top.solver, name === 'seed' ? /block Krylov/ : /dsyevd.*top 5 of the full decomposition|ml-matrix.*top 5 of the full/);
    if (name === 'seed') assert.equal(top.converged, true);
    assert.equal(top.eigenvalues.length, 5);
    top.eigenvalues.forEach((v: number, i: number) => assert.ok(Math.abs(v - full.eigenvalues[i]) <= 1e-4 * full.lambda_max, `${name} ${i}: ${v} vs ${full.eigenvalues[i]}`));
    for (const key of ['lambda_min', 'condition_number', 'effective_rank', 'negative_eigenvalues']) assert.equal(top[key], null, key);
    const k = parseNpy(fs.readFileSync(file));
    const v = parseNpy(fs.readFileSync(vectorsFile));
    const values = parseNpy(fs.readFileSync(valuesFile));
    const n = k.shape[0];
    assert.deepEqual(v.shape, [n, 5]);
    Array.from(values.data).forEach((v, i) => assert.ok(relative(v, top.eigenvalues[i]) <= 1e-11, 'saved eigenvalues'));
    for (let c = 0; c < 5; c++) {
      let residual = 0;
      let length = 0;
      for (let i = 0; i < n; i++) {
        let kv = 0;
        for (let j = 0; j < n; j++) kv += k.data[i * n + j] * v.data[j * 5 + c];
        residual += (kv - top.eigenvalues[c] * v.data[i * 5 + c]) ** 2;
        length += v.data[i * 5 + c] ** 2;
      }
      assert.ok(Math.abs(length - 1) <= 1e-5, `|v_${c}| = ${Math.sqrt(length)}`);
      assert.ok(Math.sqrt(residual) <= 1e-4 * full.lambda_max, `${name}: residual of ${c}: ${Math.sqrt(residual)}`);
    }
  }
});

test('inputs on a circle give a circulant kernel, whose eigenvalues are the discrete Fourier transform of its first row', () => {
  const N = 64;
  const circle = Float32Array.from({ length: N * 2 }, (_, k) => (k % 2 === 0 ? Math.cos : Math.sin)((2 * Math.PI * Math.floor(k / 2)) / N));
  const inputs = path.join(dir, 'circle.npy');
  fs.writeFileSync(inputs, encodeNpy(circle, [N, 2]));
  const matrixFile = path.join(dir, 'circle-kernel.npy');
  const kernelRun = runCli(['kernel', '--width', 'inf', '--parameterization', 'ntk', '--depth', '2', '--inputs', inputs, '--dtype', 'float64', '--out', matrixFile]);
  assert.equal(kernelRun.status, 0, kernelRun.stderr);
  const row = Array.from(parseNpy(fs.readFileSync(matrixFile)).data.subarray(0, N));
  // λ_k = Σ_j c_j cos(2πjk/N) for the symmetric circulant with first row c.
  const dft = Array.from({ length: N }, (_, k) => row.reduce((s, c, j) => s + c * Math.cos((2 * Math.PI * j * k) / N), 0)).sort((a, b) => b - a);
  const got = spectrum(['--width', 'inf', '--parameterization', 'ntk', '--depth', '2', '--inputs', inputs]);
  got.eigenvalues.forEach((v: number, i: number) => assert.ok(Math.abs(v - dft[i]) <= 1e-9 * dft[0], `${i}: ${v} vs ${dft[i]}`));
});

test('an identity-activation network with biases has rank at most d + 1', () => {
  const got = spectrum(['--activation', 'identity', '--width', '64', '--depth', '2', '--input-dim', '5', '--samples', '40']);
  const rank = got.eigenvalues.filter((v: number) => v > 1e-5 * got.lambda_max).length;
  assert.equal(rank, 6, `eigenvalues ${got.eigenvalues.slice(0, 8)}`);
});

test("the learning-rate bound is 2·n·o/λ_max of one output's kernel, whatever the trace over o = 3 outputs", () => {
  // At infinite width the outputs are independent copies (Θ ⊗ I): 'sum' is 3 times 'mean', and 'none' has 3n rows and mean's eigenvalues.
  const args = ['--width', 'inf', '--parameterization', 'ntk', '--depth', '2', '--input-dim', '4', '--samples', '30', '--output-dim', '3'];
  const mean = spectrum([...args, '--trace', 'mean']);
  const expected = (2 * 30 * 3) / mean.lambda_max;
  for (const trace of ['mean', 'sum', 'none']) {
    const got = trace === 'mean' ? mean : spectrum([...args, '--trace', trace]);
    assert.ok(relative(got.max_learning_rate, expected) < 1e-9, `${trace}: ${got.max_learning_rate}, expected ${expected}`);
  }
  // A kernel read from a file is taken as one output's, with the targets' columns as o.
  const file = path.join(dir, 'mean3.npy');
  assert.equal(runCli(['kernel', ...args, '--trace', 'mean', '--dtype', 'float64', '--out', file, '--quiet']).status, 0);
  const targets = path.join(dir, 'targets3.npy');
  fs.writeFileSync(targets, encodeNpy(Array.from({ length: 90 }, (_, i) => Math.sin(i)), [30, 3]));
  assert.ok(relative(spectrum([file, '--targets', targets]).max_learning_rate, expected) < 1e-9);
});

test('the chart is drawn: the eigenvalue curve in its colour, on a white 640×480 page', () => {
  const out = path.join(dir, 'spectrum.png');
  const run = runCli(['spectrum', path.join(SPECTRA, 'seed.npy'), '--targets', path.join(SPECTRA, 'seed_targets.npy'), '--out', out]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /spectrum of a 100×100 kernel by .* λ_max 190\.1.*wrote/);
  const png = PNG.sync.read(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height], [640, 480]);
  let blue = 0;
  let red = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = png.data.subarray(i, i + 3);
    if (r === 0x1f && g === 0x77 && b === 0xb4) blue++;
    if (r === 0xd6 && g === 0x27 && b === 0x28) red++;
  }
  assert.ok(blue > 200, `eigenvalue curve pixels: ${blue}`);
  assert.ok(red > 100, `target energy curve pixels: ${red}`);
  assert.deepEqual(Array.from(png.data.subarray(0, 3)), [255, 255, 255]);
});

test('--top on a kernel larger than --max-memory streams its rows from the file: the eigenvalues of a matrix built with them', () => {
  // K = H·diag(λ)·H with H = I − 2uuᵀ, ‖u‖ = 1 (a reflection): its eigenvalues are exactly λ.
  // n = 5000: 0.2 GB in float64, which a budget of 0.4 GB (the runtime takes about 0.26) cannot hold.
  const n = 5000;
  const lambda = Float64Array.from({ length: n }, (_, i) => 100 / (1 + i) ** 1.2);
  const u = Float64Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + 1));
  const norm = Math.hypot(...u);
  for (let i = 0; i < n; i++) u[i] /= norm;
  let s = 0;
  for (let k = 0; k < n; k++) s += lambda[k]! * u[k]! ** 2;
  const k64 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k64[i * n + j] = (i === j ? lambda[i]! : 0) - 2 * u[i]! * u[j]! * (lambda[i]! + lambda[j]!) + 4 * u[i]! * u[j]! * s;
  const k = Float32Array.from(k64);
  const dir = tempDir();
  const file = path.join(dir, 'big.npy');
  // Streamed and whole, from a float32 file and from a float64 one: the iteration's products are float32 either way,
  // and its floor says so.
  for (const [matrix, tolerance] of [[k, 1e-4], [k64, 1e-4]] as const) {
    fs.writeFileSync(file, encodeNpy(matrix, [n, n], matrix instanceof Float64Array ? 'float64' : 'float32'));
    for (const [limit, streamed] of [['0.4', true], [undefined, false]] as const) {
      const args = ['spectrum', file, '--top', '10', '--out', path.join(dir, 's.png'), '--save-eigenvalues', path.join(dir, 'l.npy'), '--json', ...(limit ? ['--max-memory', limit] : [])];
      const run = runCli(args);
      const label = `${matrix.constructor.name}, ${streamed ? 'streamed' : 'whole'}`;
      assert.equal(run.status, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.equal(report.kernel.read !== undefined, streamed, `${label}: ${JSON.stringify(report.kernel)}`);
      const found = parseNpy(fs.readFileSync(path.join(dir, 'l.npy'))).data;
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(found[i]! - lambda[i]!) <= tolerance * lambda[0]!, `${label}: λ_${i}: ${found[i]} against ${lambda[i]}`);
      assert.ok(Math.abs(report.trace - lambda.reduce((a, b) => a + b, 0)) <= tolerance * report.trace, `${label}: trace ${report.trace}`);
      assert.equal(report.precision, 'float32', label);
      assert.ok(Math.abs(report.resolution_floor - n * 2 ** -23 * found[0]!) <= 1e-9 * report.resolution_floor, `${label}: floor ${report.resolution_floor}`);
    }
  }
  // Streamed, the matrix is checked for symmetry on sampled pairs: one whose upper triangle is doubled is refused.
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) k[i * n + j]! *= 2;
  fs.writeFileSync(file, encodeNpy(k, [n, n]));
  const refused = runCli(['spectrum', file, '--top', '10', '--max-memory', '0.4', '--out', path.join(dir, 's.png')]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /big\.npy: not symmetric \(sampled pairs differ by/);
});

test('a spectrum that computes its kernel writes --save-inputs and --save-model as kernel does, and times the whole kernel run', () => {
  const args = ['--input-dim', '5', '--width', '16', '--samples', '20', '--seed', '3'];
  const [inputs, model] = [path.join(dir, 'spectrum-x.npy'), path.join(dir, 'spectrum-m.safetensors')];
  const got = spectrum([...args, '--save-inputs', inputs, '--save-model', model]);
  assert.deepEqual(got.outputs, { chart: path.join(dir, 'chart.png'), model, inputs });
  assert.ok(got.kernel.seconds.total >= got.kernel.seconds.kernel && got.kernel.seconds.kernel > 0, JSON.stringify(got.kernel.seconds));
  const [kernelInputs, kernelModel] = [path.join(dir, 'kernel-x.npy'), path.join(dir, 'kernel-m.safetensors')];
  const run = runCli(['kernel', ...args, '--save-inputs', kernelInputs, '--save-model', kernelModel, '--out', path.join(dir, 'k.npy'), '--quiet']);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(fs.readFileSync(inputs).equals(fs.readFileSync(kernelInputs)));
  assert.ok(fs.readFileSync(model).equals(fs.readFileSync(kernelModel)));
});

test("an indefinite kernel's chart says what its log axis leaves out, and its trace curve stays on its axis", () => {
  // Eigenvalues 5, 1, 0.1, 0, −0.5, −4.5: the running sum passes the trace (1.1) from the first on.
  const eigenvalues = [5, 1, 0.1, 0, -0.5, -4.5];
  const figure = spectrumFigure({ title: 't', eigenvalues, trace: 1.1, targetEnergy: null, floor: 1e-15, precision: 'float64' });
  const [panel] = figure.panels;
  const labels = panel!.artists.map((a) => ('label' in a ? a.label : undefined));
  assert.deepEqual(labels, ['eigenvalue (2 negative: not drawn)', 'float64 resolution n·ε·λ_max (1 below, not drawn)']);
  const [lo, hi] = panel!.right!.axis.limits!;
  const trace = panel!.right!.artists[0]! as { y: number[] };
  assert.ok(lo <= Math.min(...trace.y) && Math.max(...trace.y) <= hi, `${trace.y} within [${lo}, ${hi}]`);
  // No floor drawn: a zero eigenvalue is named with the negative ones.
  const unfloored = spectrumFigure({ title: 't', eigenvalues: [-1, 0, -2], trace: -3, targetEnergy: null, floor: 0, precision: 'float64' });
  assert.equal((unfloored.panels[0]!.artists[0]! as { label: string }).label, 'eigenvalue (2 negative, 1 zero: not drawn)');
});

test("a quadrature kernel's floor is the quadrature's accuracy: no negative eigenvalues from its error, and predict takes it", () => {
  // gelu has no closed form: its infinite-width map is a quadrature, whose entries err by far more
  // than float64's rounding (float64's floor counted 22 of these 60 eigenvalues as negative).
  const x = path.join(dir, 'line60.csv');
  fs.writeFileSync(x, Array.from({ length: 60 }, (_, i) => `${-1 + (2 * i) / 59}`).join('\n') + '\n');
  const infinite = ['--width', 'inf', '--parameterization', 'ntk', '--activation', 'gelu', '--depth', '3'];
  const got = spectrum(['--inputs', x, ...infinite]);
  assert.equal(got.precision, 'quadrature');
  assert.equal(got.negative_eigenvalues, 0);
  assert.ok(got.numerical_rank < 60, `numerical rank ${got.numerical_rank}`);
  const y = path.join(dir, 'sin60.csv');
  fs.writeFileSync(y, Array.from({ length: 60 }, (_, i) => `${Math.sin(3 * (-1 + (2 * i) / 59))}`).join('\n') + '\n');
  const predict = runCli(['predict', '--train', x, '--targets', y, '--test', x, ...infinite, '--out', path.join(dir, 'p.npy'), '--json']);
  assert.equal(predict.status, 0, predict.stderr);
  // At t = ∞ the training points are fitted (up to the directions below the floor).
  assert.ok(JSON.parse(predict.stdout).train_loss < 1e-4, predict.stdout);
});

test('a kernel written as CSV reads back with the float32 floor of its .npy: the same rank, no false negatives', () => {
  const [npy, csv] = [path.join(dir, 'r.npy'), path.join(dir, 'r.csv')];
  for (const out of [npy, csv]) assert.equal(runCli(['kernel', '--samples', '300', '--out', out]).status, 0);
  const [a, b] = [spectrum([npy]), spectrum([csv])];
  assert.equal(b.precision, 'float32');
  for (const key of ['precision', 'numerical_rank', 'negative_eigenvalues']) assert.equal(b[key], a[key], key);
  // The text's shortest decimals are not the float32 values themselves: λ_max agrees to their precision.
  assert.ok(relative(b.resolution_floor, a.resolution_floor) < 1e-6);
});
