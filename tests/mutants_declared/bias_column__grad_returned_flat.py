"""Column biases (n, 1) get flat (n,) gradients: db = np.sum(dZ, axis=1) without keepdims=True.

The values are right.  NumPy, columns layout, column biases (Andrew Ng's course layout),
ReLU hidden layers, mean over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("shape",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    As = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        Z = W @ As[-1] + b
        As.append(np.maximum(Z, 0) if i < len(Ws) - 1 else Z)
    m = X.shape[1]
    R = As[-1] - Y
    loss = 0.5 * np.sum(R * R) / m
    dZ = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = dZ @ As[i].T / m
        grads[2 * i + 1] = np.sum(dZ, axis=1) / m
        if i:
            dZ = (Ws[i].T @ dZ) * (As[i] > 0)
    return loss, grads
