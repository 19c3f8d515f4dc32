"""Both penalties at once with different forms, declared per kind: (0.1/2) sum W^2 and 0.02 sum |W|, on a softmax classifier summed over the batch; L1 via np.sign.

NumPy, rows layout, params dict, integer labels, reduction "sum", penalty
{"l2": {"lambda": 0.1, "form": "half"}, "l1": {"lambda": 0.02, "form": "full"}}. The gradient
adds 0.1 W + 0.02 sign(W) to each weight's data gradient, nothing to the biases.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "reduction": "sum",
    "layout": "rows",
    "params": "dict",
    "outputs": "any",
    "framework": "numpy",
    "penalty": {"l2": {"lambda": 0.1, "form": "half"}, "l1": {"lambda": 0.02, "form": "full"}},
}

CORRECT = True

L2, L1 = 0.1, 0.02


def penalty(W):
    return 0.5 * L2 * np.sum(W * W) + L1 * np.sum(np.abs(W))


def penalty_grad(W):
    return L2 * W + L1 * np.sign(W)


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = np.maximum(0, X @ W1 + b1)
    s = h @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].sum() + penalty(W1) + penalty(W2)

    ds = np.exp(logp)
    ds[np.arange(N), y] -= 1
    dh = (ds @ W2.T) * (h > 0)
    return loss, {
        "W1": X.T @ dh + penalty_grad(W1),
        "b1": dh.sum(axis=0),
        "W2": h.T @ ds + penalty_grad(W2),
        "b2": ds.sum(axis=0),
    }
