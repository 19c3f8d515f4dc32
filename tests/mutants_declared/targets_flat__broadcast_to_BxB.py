"""The (B, 1) output minus the flat (B,) targets broadcasts to a (B, B) matrix: the loss sums B^2 residuals f_i - y_j and the delta is their row sum.

The classic NumPy broadcasting bug; its gradients are the gradients of that wrong loss.  Rows
layout, NumPy, ReLU hidden layers, mean over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "targets": "flat",
    "depth": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("extra-term", "shape")


def loss_and_grads(params, X, y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - y  # (B, 1) - (B,) -> (B, B)
    loss = 0.5 * np.sum(R**2) / B
    delta = R.sum(axis=1, keepdims=True) / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
