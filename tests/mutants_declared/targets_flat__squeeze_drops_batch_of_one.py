"""The residual is formed as (F - y[:, None]).squeeze(), which at a batch of one also drops the batch axis: H.T @ r then raises on a 0-d operand (right for every B > 1).

np.squeeze() without an axis is meant to drop the k = 1 axis only.  NumPy, rows layout,
sigmoid output, ReLU hidden layers, mean over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "targets": "flat",
    "depth": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("crash", "shape")


def loss_and_grads(params, X, y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        if i < len(Ws) - 1:
            hs.append(np.maximum(a, 0))
        else:
            e = np.exp(-np.abs(a))
            hs.append(np.where(a >= 0, 1 / (1 + e), e / (1 + e)))
    B = X.shape[0]
    F = hs[-1]
    r = (F - y[:, None]).squeeze()
    fs = F.squeeze()
    loss = 0.5 * np.sum(r * r) / B
    d = r * fs * (1 - fs) / B
    grads = [None] * len(params)
    last = len(Ws) - 1
    grads[2 * last] = (hs[last].T @ d).reshape(-1, 1)
    grads[2 * last + 1] = np.atleast_1d(d.sum())
    delta = d.reshape(-1, 1)
    for i in range(last - 1, -1, -1):
        delta = (delta @ Ws[i + 1].T) * (hs[i + 1] > 0)
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
    return loss, grads
