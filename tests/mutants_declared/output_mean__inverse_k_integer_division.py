"""The factor 1/k of the mean over outputs is written 1 // k (integer division): 0 for k > 1, so every gradient is zero (and the loss too); right only at k = 1.

NumPy, rows layout, tanh hidden layers, summed over the batch, squared error.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "squared",
    "reduction": "sum",
    "output_reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("zero", "scale")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.tanh(a) if i < len(Ws) - 1 else a)
    k = Y.shape[1]
    inv_k = 1 // k
    R = hs[-1] - Y
    loss = inv_k * np.sum(R * R)
    delta = 2 * inv_k * R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    return loss, grads
