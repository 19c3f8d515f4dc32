"""Returns the loss as a NumPy float64 scalar for any parameter dtype, with flat (B,) targets, no biases and a tanh output, in NumPy.

The residual is taken against the (B,) targets after flattening the (B, 1) output, and
reshaped back before the backward pass, so nothing broadcasts to (B, B).
"""

import numpy as np

CORRECT = True
MLP_PARITY = {
    "hidden": "relu",
    "output": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "targets": "flat",
    "bias": False,
    "depth": "any",
    "framework": "numpy",
}


def loss_and_grads(params, X, y):
    hs, masks = [X], []
    for i, W in enumerate(params):
        a = hs[-1] @ W
        if i < len(params) - 1:
            masks.append(a > 0)
            hs.append(a * masks[-1])
        else:
            hs.append(np.tanh(a))
    f = hs[-1][:, 0]
    r = f - y
    B = X.shape[0]
    loss = np.float64(0.5) * np.sum(r.astype(np.float64) ** 2) / B
    delta = (r * (1 - f * f) / B)[:, None]
    grads = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        grads[i] = hs[i].T @ delta
        if i:
            delta = (delta @ params[i].T) * masks[i - 1]
    return loss, grads
