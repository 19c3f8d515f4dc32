"""Walks the batch in blocks of 256 samples (the last block a shorter tail) and accumulates each block's gradient, in NumPy.

ReLU hidden layers, rows layout, the mean over the batch applied once per block as 1/B
(B the whole batch); a batch of 1031 ends in a tail of 7.
"""

import numpy as np

CORRECT = True
MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}

BLOCK = 256


def _block(Ws, bs, X, Y, B):
    hs, masks = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        if i < len(Ws) - 1:
            masks.append(a > 0)
            hs.append(np.where(masks[-1], a, 0).astype(a.dtype))
        else:
            hs.append(a)
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R) / B
    delta = R / B
    g = [None] * (2 * len(Ws))
    for i in range(len(Ws) - 1, -1, -1):
        g[2 * i] = hs[i].T @ delta
        g[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * masks[i - 1]
    return loss, g


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    B = X.shape[0]
    total, acc = 0.0, [np.zeros_like(p) for p in params]
    for start in range(0, B, BLOCK):
        stop = min(start + BLOCK, B)
        loss, g = _block(Ws, bs, X[start:stop], Y[start:stop], B)
        total += float(loss)
        for a, gi in zip(acc, g):
            a += gi
    return total, acc
