import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyticKernels } from '../src/kernel/analytic';
import { kernelMatrix } from '../src/kernel/matrix';
import { relativeFrobenius } from '../src/math/fit';
import { initMlp } from '../src/model/mlp';
import { TorchGenerator } from '../src/model/torchRandom';
import { samplesOf, testLinalgs } from './helpers';

const samples = (rows: number[][]) => ({ values: Float32Array.from(rows.flat()), count: rows.length, dim: rows[0].length });
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('two-layer ReLU NTK: Θ(x,x) = |x|²/d + 2 (σ_b = 1) and the arc-cosine form off the diagonal (σ_b = 0)', () => {
  const x = samples([[1, 0], [0, 1], [1, 1], [3, -2]]);
  const spec = { inputDim: 2, depth: 1, outputDim: 1, activation: 'relu' as const, sigmaW: 1, sigmaB: 1 };
  const withBias = analyticKernels(spec, x).ntk;
  [1, 1, 2, 13].forEach((norm2, i) => close(withBias[i * 4 + i], norm2 / 2 + 2));
  // σ_b = 0: Θ(x,x') = (|x||x'|/d)·(sin θ + 2(π − θ) cos θ)/(2π).
  const noBias = analyticKernels({ ...spec, sigmaB: 0 }, x).ntk;
  close(noBias[0 * 4 + 1], 1 / (4 * Math.PI)); // θ = π/2
  close(noBias[0 * 4 + 2], (1 + 1.5 * Math.PI) / (4 * Math.PI)); // θ = π/4
  close(noBias[0], 0.5); // θ = 0: |x|²/d
});

test('a linear network of depth L has Θ = (L + 1)·x·x\'/d and Σ = x·x\'/d (σ_w = 1, σ_b = 0)', () => {
  const x = samples([[1, 2, 3], [-1, 0.5, 2], [0, 0, 1]]);
  for (const depth of [1, 3, 6]) {
    const { ntk, nngp } = analyticKernels({ inputDim: 3, depth, outputDim: 1, activation: 'identity', sigmaW: 1, sigmaB: 0 }, x);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const dot = [0, 1, 2].reduce((s, k) => s + x.values[i * 3 + k] * x.values[j * 3 + k], 0) / 3;
        close(nngp[i * 3 + j], dot);
        close(ntk[i * 3 + j], (depth + 1) * dot);
      }
    }
  }
});

/** erf by its Maclaurin series, accurate to double precision for |v| < 3 (tfjs and Math have no erf). */
function erf(v: number): number {
  let sum = 0;
  let term = v;
  for (let k = 0; k < 80; k++) {
    sum += term / (2 * k + 1);
    term *= (-v * v) / (k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

test("erf's closed form agrees with a Monte-Carlo estimate of E[erf(u) erf(v)]", () => {
  // One hidden erf layer, σ_w = 1, σ_b = 0: the output NNGP is T(Σ¹), Σ¹ = x·x'/d.
  const x = samples([[1.2, -0.4], [0.8, 0.9]]);
  const { nngp } = analyticKernels({ inputDim: 2, depth: 1, outputDim: 1, activation: 'erf', sigmaW: 1, sigmaB: 0 }, x);
  const s11 = (1.44 + 0.16) / 2;
  const s22 = (0.64 + 0.81) / 2;
  const s12 = (0.96 - 0.36) / 2;
  const z = new TorchGenerator(3).randn(400000);
  let same = 0;
  let cross = 0;
  for (let i = 0; i < z.length; i += 2) {
    const u = Math.sqrt(s11) * z[i];
    const v = (s12 / Math.sqrt(s11)) * z[i] + Math.sqrt(s22 - (s12 * s12) / s11) * z[i + 1];
    same += erf(u) ** 2;
    cross += erf(u) * erf(v);
  }
  same /= z.length / 2;
  cross /= z.length / 2;
  assert.ok(Math.abs(nngp[0] - same) < 0.01, `${nngp[0]} vs Monte-Carlo ${same}`);
  assert.ok(Math.abs(nngp[1] - cross) < 0.01, `${nngp[1]} vs Monte-Carlo ${cross}`);
});

function choleskySucceeds(k: Float64Array, n: number, jitter: number): boolean {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = k[i * n + j] + (i === j ? jitter : 0);
      for (let p = 0; p < j; p++) s -= l[i * n + p] * l[j * n + p];
      if (i === j) {
        if (!(s > 0)) return false;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  return true;
}

test('analytic kernels are symmetric and positive semi-definite', () => {
  const n = 40;
  const x = samplesOf(new TorchGenerator(1).randn(n * 5), 5);
  for (const activation of ['relu', 'erf', 'identity'] as const) {
    for (const depth of [1, 3]) {
      const { ntk, nngp } = analyticKernels({ inputDim: 5, depth, outputDim: 1, activation, sigmaW: 1.3, sigmaB: 0.2 }, x);
      for (const k of [ntk, nngp]) {
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(k[i * n + j], k[j * n + i]);
        const scale = Math.max(...k);
        assert.ok(choleskySucceeds(k, n, 1e-9 * scale), `${activation} depth ${depth}`);
      }
    }
  }
});

test('empirical NTKs of wide NTK-parameterised networks approach the analytic kernel (within 5% at width 4096)', async () => {
  const { linalg } = (await testLinalgs()).linalgs[0];
  const n = 30;
  const d = 10;
  const x = samplesOf(new TorchGenerator(0).randn(n * d), d);
  for (const activation of ['relu', 'erf'] as const) {
    const exact = analyticKernels({ inputDim: d, depth: 1, outputDim: 1, activation, sigmaW: 1, sigmaB: 1 }, x).ntk;
    const distance = (width: number) => {
      const model = initMlp({ inputDim: d, width, depth: 1, outputDim: 1, activation, parameterization: 'ntk' }, new TorchGenerator(5));
      return relativeFrobenius(kernelMatrix(model, x, null, linalg), exact);
    };
    const wide = distance(4096);
    assert.ok(wide < 0.05, `${activation}: ${wide}`);
    assert.ok(distance(16) > wide, `${activation}: narrower is farther`);
  }
});
