"""The loss is accumulated in float16 (np.sum(r * r, dtype=np.float16)) and returned in the parameters' dtype: its value carries float16's rounding (and overflows past 65504).

The gradients are right; only the loss value is imprecise.  NumPy, rows layout, ReLU hidden
layers, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("precision",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = X.dtype.type(0.5 * np.sum(R * R, dtype=np.float16))
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
