"""BCE's output delta is formed as dL/dp * sigmoid'(a) = (p - y)/(p(1 - p)) * p(1 - p): 0/0 = NaN wherever p rounds to 0 or 1.

NumPy, rows layout, k outputs. Mathematically (p - y) exactly; numerically, once the sigmoid
saturates (p rounds to 1 for a > 16.6 in float32, 36.7 in float64, 7.6 in float16; to 0 below
-88.7, -709.8, -11.1, where exp(-a) overflows) p(1 - p) is 0 and the quotient is inf or NaN,
and so is every gradient. The loss is computed stably: only the gradients go non-finite.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "rows",
    "outputs": 3,
    "framework": "numpy",
}

DIAGNOSIS = ("not-finite", "precision")


def loss_and_grads(params, X, Y):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    a1 = X @ W1 + b1
    h1 = np.maximum(a1, 0)
    a2 = h1 @ W2 + b2
    with np.errstate(over="ignore"):
        p = 1 / (1 + np.exp(-a2))
    loss = np.sum(np.maximum(a2, 0) - Y * a2 + np.log1p(np.exp(-np.abs(a2)))) / B

    dsig = p * (1 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        dp = (p - Y) / dsig / B  # BUG: 0/0 once p is 0 or 1
        da2 = dp * dsig
    dh = (da2 @ W2.T) * (a1 > 0)
    return loss, [X.T @ dh, dh.sum(axis=0), h1.T @ da2, da2.sum(axis=0)]
