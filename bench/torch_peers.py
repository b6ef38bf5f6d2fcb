"""The PyTorch peers ntk-cli is measured against, on the same network and inputs (the seed's Net
after torch.manual_seed(0)), with Debian's PyTorch.

Usage: /usr/bin/python3 bench/torch_peers.py METHOD N D W
       /usr/bin/python3 bench/torch_peers.py cnn N
       /usr/bin/python3 bench/torch_peers.py cnn-onnx FILE   (writes that CNN as ONNX)
METHOD: seed      the blog's method: one backward pass per sample, then a Python loop of dot products
        functorch vmap(jacrev) Jacobians contracted with einsum (the PyTorch NTK tutorial's method)
        cnn       the same on the NTK tutorial's CNN (three 3x3 convolutions of 32 channels, relu,
                  flatten, nn.Linear to 10 classes) on torch.randn(N, 3, 32, 32): the whole
                  [N, N, 10, 10] kernel over its outputs; ntk-cli's
                  --arch conv:32:3,relu,conv:32:3,relu,conv:32:3,flatten,dense:10 --input-shape 3x32x32
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


def tutorial_cnn():
    """The tutorial's CNN, its modules constructed in order after the caller's manual_seed."""
    import torch.nn as nn

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 32, 3)
            self.conv2 = nn.Conv2d(32, 32, 3)
            self.conv3 = nn.Conv2d(32, 32, 3)
            self.fc = nn.Linear(32 * 26 * 26, 10)

        def forward(self, x):
            x = self.conv2(self.conv1(x).relu()).relu()
            return self.fc(self.conv3(x).flatten(1))

    return CNN()


def seed_method(model, x):
    start = time.perf_counter()
    K = compute_ntk(model, x, 1)
    return time.perf_counter() - start, float(K.max())


def main():
    if sys.argv[1] == "cnn-onnx":
        # The same CNN (torch.manual_seed(0)) exported for `ntk-cli --model`.
        torch.manual_seed(0)
        torch.onnx.export(tutorial_cnn(), torch.randn(2, 3, 32, 32), sys.argv[2], opset_version=13, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        return
    if sys.argv[1] == "cnn":
        n = int(sys.argv[2])
        torch.manual_seed(0)
        model = tutorial_cnn()
        x = torch.randn(n, 3, 32, 32)
        seconds, kmax = functorch_ntk(model, x)
        print(json.dumps({"method": "cnn", "seconds": seconds, "max": kmax}))
        return
    method, n, d, w = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(0)
    model = Net(d, w, 1)
    x = torch.randn(n, d)
    run = {"functorch": functorch_ntk, "seed": seed_method}[method]
    seconds, kmax = run(model, x)
    print(json.dumps({"method": method, "seconds": seconds, "max": kmax}))


if __name__ == "__main__":
    main()
