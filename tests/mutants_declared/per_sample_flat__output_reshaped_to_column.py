"""The forward reshapes x to a column (d, 1) internally, so f is (k, 1) while the flat target y is (k,): f - y broadcasts to a (k, k) matrix and the loss counts k^2 residuals (right only at k = 1).

NumPy, per-sample flat samples, columns layout W (out, in), tanh hidden layers.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "flat",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("extra-term", "shape")


def loss_and_grads(params, x, y):
    Ws, bs = params[0::2], params[1::2]
    hs = [x.reshape(-1, 1)]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b.reshape(-1, 1)
        hs.append(np.tanh(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - y  # (k, 1) - (k,) -> (k, k)
    loss = 0.5 * np.sum(R * R)
    delta = R.sum(axis=1, keepdims=True)
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta[:, 0].copy()
        if i:
            delta = (Ws[i].T @ delta) * (1 - hs[i] ** 2)
    return loss, grads
