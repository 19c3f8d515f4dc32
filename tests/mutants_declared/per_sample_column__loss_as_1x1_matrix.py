"""The loss is computed as 0.5 * r.T @ r on the (k, 1) residual column, which is a (1, 1) array, not a scalar.

The gradients are right; the loss's form breaks the contract (a real scalar: float, NumPy
scalar, 0-d array or tensor).  NumPy, per-sample columns, ReLU hidden layers.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "column",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("shape",)


def loss_and_grads(params, x, y):
    Ws, bs = params[0::2], params[1::2]
    hs = [x]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    r = hs[-1] - y
    loss = 0.5 * r.T @ r
    delta = r
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.copy()
        if i:
            delta = (Ws[i].T @ delta) * (hs[i] > 0)
    return loss, grads
