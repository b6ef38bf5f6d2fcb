"""The PyTorch peers ntk-cli is measured against, on the same network and inputs (the seed's Net
after torch.manual_seed(0)), with Debian's PyTorch.

Usage: /usr/bin/python3 bench/torch_peers.py METHOD N D W
METHOD: seed      the blog's method: one backward pass per sample, then a Python loop of dot products
        functorch vmap(jacrev) Jacobians contracted with einsum (the PyTorch NTK tutorial's method)
Prints one JSON line: {"method", "seconds", "max"} (seconds: the kernel alone, after the model and inputs exist).
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from make_fixtures import Net, compute_ntk  # noqa: E402


def functorch_ntk(model, x):
    from functorch import jacrev, make_functional, vmap

    fnet, params = make_functional(model)

    def single(p, xi):
        return fnet(p, xi.unsqueeze(0)).squeeze(0)

    start = time.perf_counter()
    jac = vmap(jacrev(single), (None, 0))(params, x)
    jac = [j.flatten(2) for j in jac]
    K = sum(torch.einsum("Naf,Mbf->NMab", j, j) for j in jac).squeeze(-1).squeeze(-1)
    return time.perf_counter() - start, float(K.max())


def seed_method(model, x):
    start = time.perf_counter()
    K = compute_ntk(model, x, 1)
    return time.perf_counter() - start, float(K.max())


def main():
    method, n, d, w = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(0)
    model = Net(d, w, 1)
    x = torch.randn(n, d)
    run = {"functorch": functorch_ntk, "seed": seed_method}[method]
    seconds, kmax = run(model, x)
    print(json.dumps({"method": method, "seconds": seconds, "max": kmax}))


if __name__ == "__main__":
    main()
