"""The L1 subgradient sign(W) is written W / |W|: 0/0 = NaN for every weight that is exactly 0.

NumPy, rows layout, params dict, softmax classifier with integer labels, penalty declared
{"l1": 0.01, "form": "full"}. Right for every nonzero weight; a weight at exactly 0 (pruned,
initialised to zero, a zero row) makes its gradient NaN, and training spreads the NaN. The
subgradient at 0 is 0 (np.sign).
"""

import numpy as np

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "params": "dict",
    "outputs": "any",
    "framework": "numpy",
    "penalty": {"l1": 0.01, "form": "full"},
}

DIAGNOSIS = ("not-finite",)

L1 = 0.01


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = np.maximum(0, X @ W1 + b1)
    s = h @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean() + L1 * (np.abs(W1).sum() + np.abs(W2).sum())

    ds = np.exp(logp)
    ds[np.arange(N), y] -= 1
    ds /= N
    dh = (ds @ W2.T) * (h > 0)
    with np.errstate(invalid="ignore"):
        sign1, sign2 = W1 / np.abs(W1), W2 / np.abs(W2)  # BUG: NaN at W = 0
    return loss, {
        "W1": X.T @ dh + L1 * sign1,
        "b1": dh.sum(axis=0),
        "W2": h.T @ ds + L1 * sign2,
        "b2": ds.sum(axis=0),
    }
