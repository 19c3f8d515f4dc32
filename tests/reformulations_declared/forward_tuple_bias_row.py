"""Defines forward(params, X) returning a tuple (h_1, ..., h_L, f) and grads() that recomputes it, with row biases (1, n) and a tanh output.

Torch, rows layout, ReLU hidden layers, the squared error without 1/2, mean over the batch.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "relu",
    "output": "tanh",
    "loss": "squared",
    "reduction": "mean",
    "layout": "rows",
    "bias_shape": "row",
    "depth": "any",
    "outputs": "any",
}


def forward(params, X):
    Ws, bs = params[0::2], params[1::2]
    out, h = [], X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = h @ W + b
        h = torch.relu(a) if i < len(Ws) - 1 else torch.tanh(a)
        out.append(h)
    return tuple(out)


def grads(params, X, Y):
    Ws = params[0::2]
    hs = (X, *forward(params, X))
    f = hs[-1]
    delta = 2 * (f - Y) * (1 - f * f) / X.shape[0]
    g = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        g[2 * i] = hs[i].T @ delta
        g[2 * i + 1] = delta.sum(0, keepdim=True)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return g
