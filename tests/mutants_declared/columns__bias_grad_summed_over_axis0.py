"""In the columns layout the bias gradient is np.sum(dZ, axis=0) (the rows-layout habit), which sums over the units and returns one value per sample, (B,), instead of (n,).

NumPy, columns layout W (out, in), X (d, B), flat biases, ReLU hidden layers, mean.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("shape",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b[:, None]
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    m = X.shape[1]
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R) / m
    dZ = R / m
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = dZ @ hs[i].T
        grads[2 * i + 1] = np.sum(dZ, axis=0)
        if i:
            dZ = (Ws[i].T @ dZ) * (hs[i] > 0)
    return loss, grads
