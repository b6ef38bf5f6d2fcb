"""The seed blog post's script, whole: PyTorch builds the network, computes the NTK with one
backward pass per sample and a loop of dot products, and matplotlib draws it with 'hot' and a
colorbar. Only `plt.show()` becomes `plt.savefig(OUT)` (Agg), so it runs without a display.

Usage: /usr/bin/python3 bench/seed_script.py OUT.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        "Define the model: a simple two-layer net."
        super().__init__()
        self.lin1 = nn.Linear(input_dim, hidden_dim)
        self.lin2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        h = torch.relu(self.lin1(x))
        return self.lin2(h)


input_dim = 20
model = Net(input_dim, 10, 1)
num_data = 100
x = torch.randn(num_data, input_dim)


def get_grads(model, x):
    grads = []
    for xi in x:
        model.zero_grad()
        out = model(xi.unsqueeze(0))
        out.backward()
        grads.append(torch.cat([p.grad.view(-1) for p in model.parameters() if p.grad is not None]))
    return grads


def compute_ntk(model, x):
    grads = get_grads(model, x)
    num_data = len(x)
    ntk = torch.zeros((num_data, num_data))
    for i in range(num_data):
        for j in range(i, num_data):
            ntk[i, j] = torch.dot(grads[i], grads[j])
            ntk[j, i] = ntk[i, j]
    return ntk


ntk = compute_ntk(model, x)
plt.imshow(ntk, cmap="hot")
plt.title("Neural Tangent Kernel")
plt.colorbar()
plt.savefig(sys.argv[1])
