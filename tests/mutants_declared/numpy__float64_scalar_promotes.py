"""The 1/B of the mean is computed as np.float64(1.0) / B, a NumPy float64 scalar, and under NumPy 2's promotion rules (NEP 50) multiplying a float32 array by it gives float64: every gradient comes back float64.

With a Python float (1.0 / B) the dtype would be kept.  NumPy, columns layout, ReLU, mean.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("dtype",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    inv_m = np.float64(1.0) / X.shape[1]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b[:, None]
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R) * inv_m
    delta = R * inv_m
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(axis=1)
        if i:
            delta = (Ws[i].T @ delta) * (hs[i] > 0)
    return loss, grads
