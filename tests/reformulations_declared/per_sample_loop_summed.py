"""Batched code that loops over the samples one by one in Python and sums their per-sample gradients (another order of summation than a matrix product).

Rows layout in NumPy, tanh hidden layers, identity output, summed over the batch,
1/2 the squared error; the loss is a 0-d NumPy array.
"""

import numpy as np

CORRECT = True
MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}


def _one(Ws, bs, x, y):
    hs = [x]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.tanh(a) if i < len(Ws) - 1 else a)
    r = hs[-1] - y
    delta = r
    g = [None] * (2 * len(Ws))
    for i in range(len(Ws) - 1, -1, -1):
        g[2 * i] = np.outer(hs[i], delta)
        g[2 * i + 1] = delta
        if i:
            delta = (Ws[i] @ delta) * (1 - hs[i] ** 2)
    return 0.5 * np.dot(r, r), g


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    total = np.zeros((), dtype=X.dtype)
    acc = [np.zeros_like(p) for p in params]
    for b in range(X.shape[0]):
        loss, g = _one(Ws, bs, X[b], Y[b])
        total = total + loss
        for a, gi in zip(acc, g):
            a += gi
    return np.asarray(total), acc
