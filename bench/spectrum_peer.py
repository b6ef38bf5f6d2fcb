"""The spectrum peers of `npm run bench`: NumPy's eigvalsh (all eigenvalues) and SciPy's eigsh
(the k largest, ARPACK), on a kernel .npy that ntk-cli wrote.

Usage: python3 bench/spectrum_peer.py eigvalsh K.npy
       /usr/bin/python3 bench/spectrum_peer.py eigsh K.npy K
Prints one JSON line: {"seconds": solver seconds, "lambda_max": largest eigenvalue}.
"""
import json
import sys
import time

import numpy as np


def main():
    method, path = sys.argv[1], sys.argv[2]
    k = np.load(path)
    start = time.perf_counter()
    if method == "eigvalsh":
        values = np.linalg.eigvalsh(k)
    else:
        from scipy.sparse.linalg import eigsh

        values = eigsh(k, k=int(sys.argv[3]), which="LA", return_eigenvectors=False)
    print(json.dumps({"seconds": time.perf_counter() - start, "lambda_max": float(values.max())}))


if __name__ == "__main__":
    main()
