"""forward() returns the pre-activations a_1 .. a_L of the hidden layers (the cached z's) where the post-activations h_l are declared; f is right and so are the gradients.

Torch, rows layout, tanh hidden layers, grads() protocol, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("missing-term", "activation-derivative")


def _run(params, X):
    Ws, bs = params[0::2], params[1::2]
    zs, hs = [], [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        z = hs[-1] @ W + b
        zs.append(z)
        hs.append(torch.tanh(z) if i < len(Ws) - 1 else z)
    return zs, hs


def forward(params, X):
    zs, hs = _run(params, X)
    return [*zs[:-1], hs[-1]]


def grads(params, X, Y):
    Ws = params[0::2]
    _zs, hs = _run(params, X)
    delta = (hs[-1] - Y) / X.shape[0]
    out = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        out[2 * i] = hs[i].T @ delta
        out[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    return out
