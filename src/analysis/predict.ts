/**
 * What the kernel says training will do (Jacot et al. 2018; Lee et al. 2019),
 * in neural-tangents' conventions (`predict.gradient_descent_mse`,
 * `gp_inference`). With K = Θ(X, X) + r·mean(diag Θ(X, X))·I (r the relative
 * diagonal regularisation), m the number of targets and the loss
 * ½·(1/m)·Σ (f − y)², gradient descent at rate η on the linearised network
 * gives after t steps (t continuous)
 *   f_t(X)  = Y + e^{−ηKt/m}·(f_0(X) − Y),
 *   f_t(x*) = f_0(x*) + Θ(x*, X)·K⁻¹·(I − e^{−ηKt/m})·(Y − f_0(X)),
 * and at t = ∞, f(x*) = f_0(x*) + Θ(x*, X)·K⁻¹·(Y − f_0(X)). With the NNGP
 * kernel (and f_0 = 0) the t = ∞ mean is the Gaussian-process posterior mean,
 * with variance diag(K(x*, x*) − K(x*, X)·K⁻¹·K(X, x*)).
 *
 * Everything goes through one eigendecomposition K = V·Λ·Vᵀ in float64
 * (O(n³)), which gives every t at once: K⁻¹(I − e^{−ηKt/m}) = V·diag((1 −
 * e^{−ηλt/m})/λ)·Vᵀ. Without regularisation, eigenvalues within the kernel's
 * rounding (|λ| ≤ n·ε·λ_max, ε its precision's: float32's or float64's epsilon, a quadrature's error) are null
 * directions: for any positive semi-definite kernel Θ(x*, X)·v = 0 where
 * Θ(X, X)·v = 0, so gradient flow never moves along them, and their factor is
 * 0 (not ηt/m, which would multiply rounding noise by t). At t = ∞ that is
 * the pseudo-inverse: the limit of gradient flow, defined for a singular
 * kernel too. With r > 0, K is solved as it is (neural-tangents' diag_reg).
 * A kernel with an eigenvalue below −n·ε·λ_max is not positive semi-definite
 * and is refused rather than answered.
 *
 * With `steps`, t counts the steps of gradient descent itself, as a network is
 * trained: e^{−ηKt/m} becomes (I − ηK/m)^t (Lee et al. 2019, §2.2), the
 * linearised network trained exactly as the network is. Gradient flow differs
 * from it by O(η) whatever the width, so only the discrete form is what a
 * trained network approaches as its width grows.
 */
import { symmetricEigen } from '../linalg/eigen';
import { precisionEpsilon, type Precision } from './spectrum';

export interface PredictProblem {
  /** Θ(X, X), rows × rows (rows = n, or n·o for a kernel over outputs). */
  kTrain: ArrayLike<number>;
  /** Θ(x*, X), testRows × rows. */
  kTestTrain: ArrayLike<number>;
  /** diag Θ(x*, x*), for the variance; testRows. */
  kTestDiagonal?: ArrayLike<number>;
  rows: number;
  testRows: number;
  /** Targets and the network at initialisation on the training inputs, rows × cols (cols = o, or 1 for a kernel over outputs). */
  targets: ArrayLike<number>;
  f0Train: ArrayLike<number>;
  /** The network at initialisation on the test inputs, testRows × cols. */
  f0Test: ArrayLike<number>;
  testTargets?: ArrayLike<number>;
  cols: number;
  learningRate: number;
  diagReg: number;
  /** The kernel's precision (spectrum's precisionOf): what rounding its eigenvalues carry. */
  precision: Precision;
  /** t counts whole steps of gradient descent, (I − ηK/m)^t, rather than gradient flow's time. */
  steps?: boolean;
}

export class PredictError extends Error {}

export interface Prediction {
  /** f_t(x*), testRows × cols. */
  test: Float64Array;
  /** f_t(X), rows × cols. */
  train: Float64Array;
  trainLoss: number;
  testLoss: number | null;
  /** The GP posterior variance at each test point (t = ∞ only, with kTestDiagonal). */
  variance: Float64Array | null;
}

/** ½·mean of squared differences. */
export function halfMeanSquare(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return (0.5 * sum) / a.length;
}

/** The solved problem: predictions at any time from the eigendecomposition of K. */
export class KernelRegression {
  /** K's eigenvalues (with --diag-reg's shift), largest first. */
  readonly values: Float64Array;
  /** The largest and smallest eigenvalues of Θ(X, X) itself, before --diag-reg. */
  readonly lambdaMax: number;
  readonly lambdaMin: number;
  /** Eigenvalues of Θ(X, X) above its rounding (n·ε·λ_max). */
  readonly numericalRank: number;
  /** Eigenvalues of K at or below it are null directions: Θ's rounding without --diag-reg, 0 with it. */
  private readonly nullBelow: number;
  /** Vᵀ·(Y − f_0(X)): the initial residual in the eigenbasis, rows × cols (negated: targets minus outputs). */
  private readonly c: Float64Array;
  /** Θ(x*, X)·V, testRows × rows. */
  private readonly b: Float64Array;
  private readonly vectors: Float64Array;
  private readonly m: number;

  constructor(readonly problem: PredictProblem) {
    const { rows, testRows, cols } = problem;
    let diagonal = 0;
    for (let i = 0; i < rows; i++) diagonal += problem.kTrain[i * rows + i];
    const k = Float64Array.from(problem.kTrain);
    const shift = (problem.diagReg * diagonal) / rows;
    for (let i = 0; i < rows; i++) k[i * rows + i] += shift;
    const eigen = symmetricEigen(k, rows, true);
    this.values = eigen.values;
    this.vectors = eigen.vectors!;
    this.lambdaMax = this.values[0] - shift;
    this.lambdaMin = this.values[rows - 1] - shift;
    this.m = rows * cols;
    const tolerance = rows * precisionEpsilon(problem.precision) * Math.abs(this.lambdaMax);
    const smallest = this.values[rows - 1];
    if (smallest < -tolerance) {
      throw new PredictError(`the kernel is not positive semi-definite: its smallest eigenvalue is ${smallest.toPrecision(4)} (largest ${this.values[0].toPrecision(4)}); add --diag-reg, e.g. 1e-4`);
    }
    this.numericalRank = this.values.filter((lambda) => lambda - shift > tolerance).length;
    this.nullBelow = shift > 0 ? 0 : tolerance;
    const v = this.vectors;
    this.c = new Float64Array(rows * cols);
    for (let j = 0; j < rows; j++) {
      for (let col = 0; col < cols; col++) {
        let s = 0;
        for (let i = 0; i < rows; i++) s += v[i * rows + j] * (problem.targets[i * cols + col] - problem.f0Train[i * cols + col]);
        this.c[j * cols + col] = s;
      }
    }
    this.b = new Float64Array(testRows * rows);
    for (let p = 0; p < testRows; p++) {
      for (let j = 0; j < rows; j++) {
        let s = 0;
        for (let i = 0; i < rows; i++) s += problem.kTestTrain[p * rows + i] * v[i * rows + j];
        this.b[p * rows + j] = s;
      }
    }
  }

  /** The largest stable rate for full-batch gradient descent on the network: 2m/λ_max of Θ(X, X). */
  get maxLearningRate(): number {
    return (2 * this.m) / this.lambdaMax;
  }

  /** A direction gradient flow does not move along (an eigenvalue λ of K within rounding, or ≤ 0). */
  private isNull(lambda: number): boolean {
    return lambda <= this.nullBelow;
  }

  /**
   * The share of the residual along eigenvalue λ left at t: e^{−ηλt/m}, or
   * (1 − ηλ/m)^t in steps; 0 at t = ∞, and 1 along a null direction.
   */
  private remaining(lambda: number, t: number): number {
    if (this.isNull(lambda)) return 1;
    if (t === Infinity) return 0;
    const x = (this.problem.learningRate * lambda) / this.m;
    if (!this.problem.steps) return Math.exp(-x * t);
    return x < 1 ? Math.exp(t * Math.log1p(-x)) : (1 - x) ** t;
  }

  /** 1 − remaining, written so that it keeps its digits when small. */
  private progress(lambda: number, t: number): number {
    if (this.isNull(lambda)) return 0;
    if (t === Infinity) return 1;
    const x = (this.problem.learningRate * lambda) / this.m;
    if (!this.problem.steps) return -Math.expm1(-x * t);
    return x < 1 ? -Math.expm1(t * Math.log1p(-x)) : 1 - (1 - x) ** t;
  }

  /** progress/λ: (1 − e^{−ηλt/m})/λ (1/λ at t = ∞), ηt/m in the limit of a small λ, and 0 along a null direction. */
  private gain(lambda: number, t: number): number {
    if (this.isNull(lambda)) return 0;
    if (t !== Infinity && Math.abs((this.problem.learningRate * lambda * t) / this.m) < 1e-12) return (this.problem.learningRate * t) / this.m;
    return this.progress(lambda, t) / lambda;
  }

  predict(t: number): Prediction {
    const { rows, testRows, cols } = this.problem;
    const gains = this.values.map((lambda) => this.gain(lambda, t));
    const test = Float64Array.from(this.problem.f0Test);
    for (let p = 0; p < testRows; p++) {
      for (let col = 0; col < cols; col++) {
        let s = 0;
        for (let j = 0; j < rows; j++) s += this.b[p * rows + j] * gains[j] * this.c[j * cols + col];
        test[p * cols + col] += s;
      }
    }
    // f_t(X) = Y − V·e^{−ηΛt/m}·Vᵀ·(Y − f_0(X)) (along a null direction the residual stays as it started).
    const train = Float64Array.from(this.problem.targets);
    const v = this.vectors;
    for (let j = 0; j < rows; j++) {
      const decay = this.remaining(this.values[j], t);
      if (decay === 0) continue;
      for (let i = 0; i < rows; i++) for (let col = 0; col < cols; col++) train[i * cols + col] -= v[i * rows + j] * decay * this.c[j * cols + col];
    }
    const testTargets = this.problem.testTargets;
    return {
      test,
      train,
      trainLoss: halfMeanSquare(train, this.problem.targets),
      testLoss: testTargets ? halfMeanSquare(test, testTargets) : null,
      variance: t === Infinity && this.problem.kTestDiagonal ? this.variance(this.problem.kTestDiagonal) : null,
    };
  }

  /** diag(K** − K*X·K⁺·KX*) = K**_pp − Σ_j b_pj²/λ_j over the directions above the rounding. */
  private variance(diagonal: ArrayLike<number>): Float64Array {
    const { rows, testRows } = this.problem;
    const out = new Float64Array(testRows);
    for (let p = 0; p < testRows; p++) {
      let s = 0;
      for (let j = 0; j < rows; j++) if (!this.isNull(this.values[j])) s += this.b[p * rows + j] ** 2 / this.values[j];
      out[p] = Math.max(0, diagonal[p] - s);
    }
    return out;
  }
}
