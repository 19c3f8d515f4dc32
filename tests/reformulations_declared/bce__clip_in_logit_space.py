"""BCE with the declared clip of the probabilities done in logit space: p clipped to [c, 1 - c] is sigma(a) with a clipped to +-log((1 - c)/c), and the loss is the stable softplus form of that logit.

deeplearning.ai-style columns model (numpy, column biases, grads keyed dW1), clip declared 1e-7
(Keras's epsilon). Clipping p first and taking log(1 - p) would lose every digit of 1 - p in
float32; clipping the logit at A = log((1 - 1e-7)/1e-7) = 16.118 is the same function, computed
without cancellation. The gradient is the unclipped one's, AL - Y, as such code computes it.
"""

import math

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "clip": 1e-7,
    "layout": "columns",
    "bias_shape": "column",
    "params": "dict",
    "depth": "any",
    "framework": "numpy",
}

CORRECT = True

CLIP = 1e-7
A_MAX = math.log((1 - CLIP) / CLIP)


def loss_and_grads(parameters, X, Y):
    L = len(parameters) // 2
    m = X.shape[1]
    A, caches = X, []
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        caches.append((A, Z))
        if l < L:
            A = np.maximum(0, Z)
    Zc = np.clip(Z, -A_MAX, A_MAX)
    cost = np.sum(np.maximum(Zc, 0) - Y * Zc + np.log1p(np.exp(-np.abs(Zc)))) / m

    with np.errstate(over="ignore"):
        AL = 1 / (1 + np.exp(-Z))
    grads = {}
    dZ = (AL - Y) / m
    for l in range(L, 0, -1):
        A_prev, _ = caches[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (parameters[f"W{l}"].T @ dZ) * (caches[l - 2][1] > 0)
    return cost, grads
