"""Code written for one output uses F[:, 0] - Y[:, 0]: the loss and gradients see only the first of the k outputs, and the other outputs' weights get zero gradient.

NumPy, rows layout, tanh hidden layers, three outputs, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": 3,
    "framework": "numpy",
}
DIAGNOSIS = ("partial", "missing-term", "zero")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.tanh(a) if i < len(Ws) - 1 else a)
    r = hs[-1][:, 0] - Y[:, 0]
    loss = 0.5 * np.sum(r * r)
    delta = np.zeros_like(hs[-1])
    delta[:, 0] = r
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    return loss, grads
