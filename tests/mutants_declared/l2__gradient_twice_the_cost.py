"""The L2 penalty's cost is (lambda/2) sum W^2 but its gradient is 2 lambda W, four times the cost's lambda W.

NumPy, rows layout, params dict, softmax classifier with integer labels, penalty declared
{"l2": 0.1, "form": "half"}. The cost and the data gradients are right; the penalty gradient
was written for the "full" form and then doubled again (d/dW of W^2 is 2W): the gradient is not
the gradient of the loss the code returns.
"""

import numpy as np

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "params": "dict",
    "outputs": "any",
    "framework": "numpy",
    "penalty": {"l2": 0.1, "form": "half"},
}

DIAGNOSIS = ("inconsistent", "scale", "extra-term")

REG = 0.1


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = np.maximum(0, X @ W1 + b1)
    s = h @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean() + 0.5 * REG * (np.sum(W1 * W1) + np.sum(W2 * W2))

    ds = np.exp(logp)
    ds[np.arange(N), y] -= 1
    ds /= N
    dh = (ds @ W2.T) * (h > 0)
    return loss, {
        "W1": X.T @ dh + 2 * REG * W1,  # BUG: 0.5 * REG * 2 * W1 = REG * W1
        "b1": dh.sum(axis=0),
        "W2": h.T @ ds + 2 * REG * W2,  # BUG
        "b2": ds.sum(axis=0),
    }
