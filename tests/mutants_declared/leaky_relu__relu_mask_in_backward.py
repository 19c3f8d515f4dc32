"""The backward pass masks with the plain ReLU derivative (a > 0): the leaky slope alpha of the negative side is dropped, so negative units pass no gradient.

The forward applies leaky ReLU; the backward was copied from a ReLU network.  NumPy, columns
layout, column biases, any depth.
"""

import numpy as np

ALPHA = 0.1
MLP_PARITY = {
    "hidden": f"leaky_relu:{ALPHA}",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("activation-derivative", "zero", "partial")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        pre.append(a)
        hs.append(np.where(a > 0, a, ALPHA * a) if i < len(Ws) - 1 else a)
    m = X.shape[1]
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R) / m
    dZ = R / m
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = dZ @ hs[i].T
        grads[2 * i + 1] = dZ.sum(axis=1, keepdims=True)
        if i:
            dZ = (Ws[i].T @ dZ) * (pre[i - 1] > 0)
    return loss, grads
