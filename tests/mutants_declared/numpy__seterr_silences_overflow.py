"""The sigmoid silences its overflow warnings with np.seterr(over="ignore") and never restores the process-wide NumPy error state.

The values are right; a caller's np.seterr settings are changed behind its back (np.errstate
as a context manager would have restored them).  NumPy, rows layout, sigmoid hidden layers.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("global-state",)


def sigmoid(a):
    np.seterr(over="ignore")
    return 1 / (1 + np.exp(-a))


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(sigmoid(a) if i < len(Ws) - 1 else a)
    n = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R) / n
    delta = R / n
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * hs[i] * (1 - hs[i])
    return loss, grads
