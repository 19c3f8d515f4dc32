"""sgd_step on one flat sample at a time that builds and returns new arrays (the caller's are untouched), using np.outer for the weight gradients, in NumPy.

Per-sample flat vectors x (d,), y (k,), rows layout W (in, out), sigmoid hidden layers written
through exp(-|a|), identity output, 1/2 the squared error.
"""

import numpy as np

CORRECT = True
MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "identity",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "rows",
    "sample_shape": "flat",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}


def _sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def sgd_step(params, x, y, lr):
    Ws, bs = params[0::2], params[1::2]
    hs = [x]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(_sigmoid(a) if i < len(Ws) - 1 else a)
    delta = hs[-1] - y
    new = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        gW = np.outer(hs[i], delta)
        gb = delta
        if i:
            delta = (Ws[i] @ delta) * hs[i] * (1 - hs[i])
        new[2 * i] = Ws[i] - lr * gW
        new[2 * i + 1] = bs[i] - lr * gb
    return new
