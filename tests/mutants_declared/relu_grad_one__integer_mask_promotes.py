"""The ReLU'(0) = 1 mask is built as (a >= 0).astype(int): multiplying a float32 or float16 delta by an int64 array promotes it to float64, so the hidden layers' gradients come back float64.

The values are right; at float64 nothing shows.  NumPy, rows layout, relu_grad_at_zero = 1.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "relu_grad_at_zero": 1,
    "framework": "numpy",
}
DIAGNOSIS = ("dtype",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, masks = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        if i < len(Ws) - 1:
            masks.append((a >= 0).astype(int))
            hs.append(np.maximum(a, 0))
        else:
            hs.append(a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R) / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * masks[i - 1]
    return loss, grads
