"""The NumPy peer of `npm run bench`: the two-layer ReLU structured formula in float32,
as a NumPy user would write it, on a network and inputs of the same sizes.

Usage: python3 bench/numpy_peer.py N D W [OUT]
Runs on whatever NumPy `python3` has (a current NumPy 2.x with its own OpenBLAS). With OUT, saves
the kernel there with np.save (float32), as ntk-cli writes it.
Prints one JSON line: {"seconds": kernel seconds, "max": K.max(), "numpy": version}.
"""
import json
import sys
import time

import numpy as np


def main():
    n, d, w = (int(v) for v in sys.argv[1:4])
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d), dtype=np.float32)
    bound1 = np.float32(1 / np.sqrt(d))
    w1 = rng.uniform(-bound1, bound1, (w, d)).astype(np.float32)
    b1 = rng.uniform(-bound1, bound1, w).astype(np.float32)
    w2 = rng.uniform(-1 / np.sqrt(w), 1 / np.sqrt(w), w).astype(np.float32)
    start = time.perf_counter()
    # K = (X Xᵀ + 1) ⊙ (G Gᵀ) + (A Aᵀ + 1), A = relu(Z), G = 1[Z > 0]·w2, Z = X W1ᵀ + b1
    z = x @ w1.T + b1
    a = np.maximum(z, 0)
    g = (z > 0) * w2
    k = x @ x.T
    k += 1
    k *= g @ g.T
    k += a @ a.T
    k += 1
    seconds = time.perf_counter() - start
    if len(sys.argv) > 4:
        np.save(sys.argv[4], k)
    print(json.dumps({"seconds": seconds, "max": float(k.max()), "numpy": np.__version__}))


if __name__ == "__main__":
    main()
