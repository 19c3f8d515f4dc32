"""Declaration mismatch: correct code whose L2 penalty covers every parameter, biases included, declared with the default "biases": false.

NumPy, columns layout, column biases, params dict, softmax classifier with integer labels. The
penalty loops over parameters.values() in the cost and in the gradients alike, so they agree;
the biases' penalty terms are extra to the declared loss.
Fits: "penalty": {"l2": 0.1, "form": "half", "biases": True}.
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
    "penalty": {"l2": 0.1, "form": "half"},  # the code penalises the biases too
}

DIAGNOSIS = ("declaration", "extra-term")

LAMBD = 0.1


def loss_and_grads(parameters, X, y):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    m = X.shape[1]
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    Z2 = W2 @ A1 + b2
    Zs = Z2 - Z2.max(axis=0, keepdims=True)
    logA = Zs - np.log(np.exp(Zs).sum(axis=0, keepdims=True))
    cols = np.arange(m)
    cost = -logA[y, cols].sum() / m
    cost += LAMBD / 2 * sum(np.sum(p * p) for p in parameters.values())

    dZ2 = np.exp(logA)
    dZ2[y, cols] -= 1
    dZ2 /= m
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    grads = {
        "dW1": dZ1 @ X.T,
        "db1": dZ1.sum(axis=1, keepdims=True),
        "dW2": dZ2 @ A1.T,
        "db2": dZ2.sum(axis=1, keepdims=True),
    }
    for name, p in parameters.items():
        grads["d" + name] = grads["d" + name] + LAMBD * p
    return cost, grads
