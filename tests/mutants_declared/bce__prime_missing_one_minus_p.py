"""BCE's gradient is taken through the probabilities, dZ = dA * A, with the (1 - A) factor of the sigmoid's derivative A(1 - A) missing.

deeplearning.ai-style L-layer model (numpy, columns, column biases, grads keyed dW1 with dA
entries). The cost is computed stably from the logits; the backward starts from
dAL = -(Y/AL - (1 - Y)/(1 - AL)) and multiplies by AL only. Every gradient is wrong (and 1/(1-AL)
overflows where AL rounds to 1).
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
}

DIAGNOSIS = ("activation-derivative", "missing-term")


def loss_and_grads(parameters, X, Y):
    L = len(parameters) // 2
    m = X.shape[1]
    A, caches = X, []
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        caches.append((A, Z))
        A = np.maximum(0, Z) if l < L else None
    ZL = Z
    with np.errstate(over="ignore"):
        AL = 1 / (1 + np.exp(-ZL))
    cost = np.sum(np.maximum(ZL, 0) - Y * ZL + np.log1p(np.exp(-np.abs(ZL)))) / m

    grads = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dZ = dAL * AL  # BUG: sigmoid'(Z) = AL * (1 - AL)
    for l in range(L, 0, -1):
        A_prev, _ = caches[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        grads[f"dA{l - 1}"] = parameters[f"W{l}"].T @ dZ
        if l > 1:
            dZ = grads[f"dA{l - 1}"] * (caches[l - 2][1] > 0)
    return cost, grads
