"""Correct code for the mean over the batch, declared "reduction": "sum": loss and gradients are exactly 1/B of the declared ones.

A declaration mismatch: declare "reduction": "mean".  NumPy, rows layout, ReLU hidden
layers, flat targets, one output.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "targets": "flat",
    "depth": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("declaration", "scale")


def loss_and_grads(params, X, y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    n = X.shape[0]
    r = hs[-1][:, 0] - y
    loss = 0.5 * np.mean(r * r)
    delta = (r / n)[:, None]
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
