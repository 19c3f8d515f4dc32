"""The softmax is backpropagated like an elementwise activation, dz = dp * p * (1 - p): only the diagonal of its Jacobian, the cross terms -p_i p_j are dropped.

NumPy, rows layout, integer labels. dL/dp = -t/p is right, but the softmax's Jacobian is
diag(p) - p p^T, not diag(p(1 - p)): the target logit's gradient comes out right (p_y - 1),
but every other logit gets 0 instead of p_j (one-hot t), so only the other classes are wrong.
"""

import numpy as np

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "outputs": "any",
    "framework": "numpy",
}

DIAGNOSIS = ("missing-term", "activation-derivative", "partial")


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params
    N, _C = X.shape[0], W2.shape[1]
    a1 = X @ W1 + b1
    h1 = np.maximum(a1, 0)
    z = h1 @ W2 + b2
    zs = z - z.max(axis=1, keepdims=True)
    logp = zs - np.log(np.exp(zs).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].sum() / N

    p = np.exp(logp)
    t = np.zeros_like(p)
    t[np.arange(N), y] = 1
    with np.errstate(divide="ignore", invalid="ignore"):
        dp = -t / p / N
    dp[t == 0] = 0
    dz = dp * p * (1 - p)  # BUG: the softmax's Jacobian is not diagonal
    dh = (dz @ W2.T) * (a1 > 0)
    return loss, [X.T @ dh, dh.sum(axis=0), h1.T @ dz, dz.sum(axis=0)]
