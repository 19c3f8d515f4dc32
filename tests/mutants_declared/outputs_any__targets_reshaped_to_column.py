"""The targets are reshaped with Y.reshape(-1, 1) (one-output code): right at k = 1, and with k > 1 the (B, k) output minus the (B*k, 1) targets raises (or, at B = 1, broadcasts to k x k).

NumPy, rows layout, ReLU hidden layers, mean over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("crash", "shape")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    y = Y.reshape(-1, 1)
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    n = X.shape[0]
    R = hs[-1] - y
    loss = 0.5 * np.sum(R * R) / n
    delta = R / n
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
