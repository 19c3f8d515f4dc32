"""Sigmoid written as 0.5 * (1 + tanh(a / 2)) and its derivative as 0.25 * (1 - tanh(a / 2)^2), in NumPy, columns layout with column biases.

sigmoid(a) = (1 + tanh(a/2)) / 2 exactly, so sigmoid'(a) = (1 - tanh(a/2)^2) / 4; it never
overflows and never warns.  Summed over the batch, squared loss without 1/2.
"""

import numpy as np

CORRECT = True
MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "identity",
    "loss": "squared",
    "reduction": "sum",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, ts = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        if i < len(Ws) - 1:
            t = np.tanh(a / 2)
            ts.append(t)
            hs.append(0.5 * (1 + t))
        else:
            hs.append(a)
    R = hs[-1] - Y
    loss = np.sum(R * R)
    delta = 2 * R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(axis=1, keepdims=True)
        if i:
            t = ts[i - 1]
            delta = (Ws[i].T @ delta) * (0.25 * (1 - t * t))
    return loss, grads
