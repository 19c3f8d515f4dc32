"""Per-sample code copied from a batched version still divides by "the batch size" m = x.shape[0], which for one flat sample is the number of features d.

Per-sample flat vectors x (d,), y (k,), NumPy, rows layout W (in, out), ReLU hidden layers,
1/2 the squared error of the one sample.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "rows",
    "sample_shape": "flat",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("scale",)


def loss_and_grads(params, x, y):
    Ws, bs = params[0::2], params[1::2]
    m = x.shape[0]
    hs = [x]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    r = hs[-1] - y
    loss = 0.5 * np.dot(r, r) / m
    delta = r / m
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = np.outer(hs[i], delta)
        grads[2 * i + 1] = delta
        if i:
            delta = (Ws[i] @ delta) * (hs[i] > 0)
    return loss, grads
