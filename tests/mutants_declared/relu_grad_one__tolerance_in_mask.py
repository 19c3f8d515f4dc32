"""The ReLU mask is a >= -1e-6 (a "tolerance" for rounding) instead of a >= 0: units with small negative pre-activations pass gradient although ReLU is flat there.

Right at a = 0 (declared 1) and for every |a| > 1e-6; wrong for tiny negative inputs.  NumPy,
rows layout, relu_grad_at_zero = 1, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "relu_grad_at_zero": 1,
    "framework": "numpy",
}
DIAGNOSIS = ("mask-wrong-at-kink", "activation-derivative")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, masks = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        if i < len(Ws) - 1:
            masks.append(a >= -1e-6)
            hs.append(np.maximum(a, 0))
        else:
            hs.append(a)
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R)
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * masks[i - 1]
    return loss, grads
