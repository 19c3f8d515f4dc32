"""The L2 penalty's gradient is divided by the batch size (dW = (dZ A^T + lambda W)/m) while its cost is not ((lambda/2) sum W^2).

deeplearning.ai-style columns model (numpy, column biases, grads keyed dW1), sigmoid output and
BCE, penalty declared {"l2": 0.5, "form": "half"} without per_sample. The cost adds
lambda/2 sum W^2; the backward folds lambda W into the sum before the 1/m of the mean, so the
penalty's gradient is m times too small for the cost returned.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "columns",
    "bias_shape": "column",
    "params": "dict",
    "depth": "any",
    "framework": "numpy",
    "penalty": {"l2": 0.5, "form": "half"},
}

DIAGNOSIS = ("inconsistent", "scale", "declaration")

LAMBD = 0.5


def loss_and_grads(parameters, X, Y):
    L = len(parameters) // 2
    m = X.shape[1]
    A, caches = X, []
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        caches.append((A, Z))
        if l < L:
            A = np.maximum(0, Z)
    with np.errstate(over="ignore"):
        AL = 1 / (1 + np.exp(-Z))
    cross_entropy = np.sum(np.maximum(Z, 0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))) / m
    l2 = sum(np.sum(np.square(parameters[f"W{l}"])) for l in range(1, L + 1))
    cost = cross_entropy + LAMBD / 2 * l2

    grads = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        A_prev, _ = caches[l - 1]
        W = parameters[f"W{l}"]
        grads[f"dW{l}"] = (dZ @ A_prev.T + LAMBD * W) / m  # BUG: the cost's penalty is not / m
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            dZ = (W.T @ dZ) * (caches[l - 2][1] > 0)
    return cost, grads
