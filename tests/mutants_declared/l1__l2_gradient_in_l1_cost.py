"""The L1 penalty's cost is lambda sum |W| but its gradient is lambda W, the L2 penalty's: sign(W) was never taken.

NumPy, columns layout, column biases, params dict, softmax classifier with integer labels,
penalty declared {"l1": 0.1, "form": "full"}. The gradient of the returned cost has
lambda sign(W); this one has lambda W, right only for weights equal to +1 or -1.
"""

import numpy as np

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "columns",
    "bias_shape": "column",
    "params": "dict",
    "outputs": "any",
    "framework": "numpy",
    "penalty": {"l1": 0.1, "form": "full"},
}

DIAGNOSIS = ("inconsistent", "missing-term")

LAM = 0.1


def loss_and_grads(parameters, X, y):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    m = X.shape[1]
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    Z2 = W2 @ A1 + b2
    Zs = Z2 - Z2.max(axis=0, keepdims=True)
    logA = Zs - np.log(np.exp(Zs).sum(axis=0, keepdims=True))
    cols = np.arange(m)
    cost = -logA[y, cols].sum() / m + LAM * (np.abs(W1).sum() + np.abs(W2).sum())

    dZ2 = np.exp(logA)
    dZ2[y, cols] -= 1
    dZ2 /= m
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    return cost, {
        "dW1": dZ1 @ X.T + LAM * W1,  # BUG: LAM * np.sign(W1)
        "db1": dZ1.sum(axis=1, keepdims=True),
        "dW2": dZ2 @ A1.T + LAM * W2,  # BUG
        "db2": dZ2.sum(axis=1, keepdims=True),
    }
