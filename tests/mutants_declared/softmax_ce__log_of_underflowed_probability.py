"""The softmax-CE loss is log(p) of a probability that underflows to 0: -log(0) = inf when the true class's logit lies far below the maximum.

NumPy, rows layout, list params, integer labels. The softmax subtracts the row maximum (no
overflow) and the gradient p - t is right, but the loss takes the log of the probability
instead of using log-softmax (shifted - logsumexp): exp(-104) is 0 in float32 (-746 in float64,
-17.3 in float16), so a confidently wrong sample gives an infinite loss. Training sees inf.
"""

import numpy as np

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "outputs": "any",
    "framework": "numpy",
}

DIAGNOSIS = ("not-finite", "precision")


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params
    N = X.shape[0]
    h = np.maximum(X @ W1 + b1, 0)
    z = h @ W2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        loss = -np.mean(np.log(p[np.arange(N), y]))  # BUG: log of an underflowed probability

    dz = p.copy()
    dz[np.arange(N), y] -= 1
    dz /= N
    dh = (dz @ W2.T) * (h > 0)
    return loss, [X.T @ dh, dh.sum(axis=0), h.T @ dz, dz.sum(axis=0)]
