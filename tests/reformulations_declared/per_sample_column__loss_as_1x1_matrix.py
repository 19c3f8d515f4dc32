"""The loss computed as 0.5 * r.T @ r on the (k, 1) residual column: a (1, 1) array, which the contract admits (one number in a one-element array).

Column-vector code (Nielsen's, the deeplearning.ai notebooks' before np.squeeze) returns such
losses; the value is the loss, and the harness reads it. NumPy, per-sample columns, ReLU
hidden layers.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "column",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
CORRECT = True


def loss_and_grads(params, x, y):
    Ws, bs = params[0::2], params[1::2]
    hs = [x]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    r = hs[-1] - y
    loss = 0.5 * r.T @ r
    delta = r
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.copy()
        if i:
            delta = (Ws[i].T @ delta) * (hs[i] > 0)
    return loss, grads
