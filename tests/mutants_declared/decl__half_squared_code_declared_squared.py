"""Correct code for 1/2 the squared error, declared "loss": "squared": loss and gradients are exactly half the declared ones.

A declaration mismatch: declare "loss": "half_squared".  NumPy, columns layout, column
biases, tanh hidden layers, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "squared",
    "reduction": "sum",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("declaration", "scale")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        hs.append(np.tanh(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R)
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(axis=1, keepdims=True)
        if i:
            delta = (Ws[i].T @ delta) * (1 - hs[i] ** 2)
    return loss, grads
