"""The batch mean is computed as the mean of per-block means (blocks of 4 samples), which weights the samples of a shorter last block more: wrong unless B is a multiple of 4.

Right at B = 4, 8, 16...; at B = 7 the three samples of the tail count 4/3 each.  Torch, rows
layout, ReLU hidden layers.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("scale", "partial")

BLOCK = 4


def _block(Ws, bs, X, Y):
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    n = X.shape[0]
    R = hs[-1] - Y
    delta = R / n
    g = [None] * (2 * len(Ws))
    for i in range(len(Ws) - 1, -1, -1):
        g[2 * i] = hs[i].T @ delta
        g[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return 0.5 * (R * R).sum() / n, g


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    blocks = [(X[s : s + BLOCK], Y[s : s + BLOCK]) for s in range(0, X.shape[0], BLOCK)]
    loss, acc = 0.0, [torch.zeros_like(p) for p in params]
    for Xb, Yb in blocks:
        l, g = _block(Ws, bs, Xb, Yb)
        loss = loss + l / len(blocks)
        for a, gi in zip(acc, g):
            a += gi / len(blocks)
    return loss, acc
