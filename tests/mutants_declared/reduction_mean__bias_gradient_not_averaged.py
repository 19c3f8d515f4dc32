"""The 1/B of the mean is applied to the weight gradients (dW = X.T @ delta / m) but not to the bias gradients (db = delta.sum(0)), which come out B times too large.

The delta stays unscaled through the backward pass and each dW is divided at the end; the db
lines were forgotten.  NumPy, rows layout, sigmoid hidden layers.
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
DIAGNOSIS = ("scale", "partial")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        if i < len(Ws) - 1:
            e = np.exp(-np.abs(a))
            hs.append(np.where(a >= 0, 1 / (1 + e), e / (1 + e)))
        else:
            hs.append(a)
    m = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R) / m
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta / m
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * hs[i] * (1 - hs[i])
    return loss, grads
