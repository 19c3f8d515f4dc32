"""The hidden layers' bias gradients are taken from the upstream gradient dL/dh before it is multiplied by the activation's derivative (the weight gradients use dL/da, correctly).

Row biases (1, n) with keepdims sums.  NumPy, rows layout, tanh hidden layers, summed.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "bias_shape": "row",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("activation-derivative", "partial")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.tanh(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R)
    grads = [None] * len(params)
    upstream = R
    delta = R
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = upstream.sum(axis=0, keepdims=True)
        if i:
            upstream = delta @ Ws[i].T
            delta = upstream * (1 - hs[i] ** 2)
    return loss, grads
