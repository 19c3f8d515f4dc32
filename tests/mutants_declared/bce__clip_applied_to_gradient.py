"""The declared clip of BCE's probabilities is applied to the gradient as well: dZ = (clip(p) - y)/m instead of the unclipped (p - y)/m.

NumPy, columns layout, column biases, clip declared 1e-3 (the loss's probabilities clipped to
[1e-3, 1 - 1e-3] before the log, as the code does and the declaration says). The gradient of
such code is the unclipped one's; this one clips p first, so every saturated output
(|a| > 6.9) carries a gradient error of up to 1e-3 per sample.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "clip": 1e-3,
    "layout": "columns",
    "bias_shape": "column",
    "params": "dict",
    "framework": "numpy",
}

DIAGNOSIS = ("partial", "extra-term")

EPS = 1e-3


def loss_and_grads(parameters, X, Y):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    m = X.shape[1]
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    Z2 = W2 @ A1 + b2
    with np.errstate(over="ignore"):
        AL = 1 / (1 + np.exp(-Z2))
    AL = np.clip(AL, EPS, 1 - EPS)  # the loss's clip, as declared ...
    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m

    dZ2 = (AL - Y) / m  # BUG: ... reused for the gradient
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    return cost, {
        "dW1": dZ1 @ X.T,
        "db1": dZ1.sum(axis=1, keepdims=True),
        "dW2": dZ2 @ A1.T,
        "db2": dZ2.sum(axis=1, keepdims=True),
    }
