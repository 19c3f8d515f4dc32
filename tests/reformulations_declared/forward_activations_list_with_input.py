"""Correct: forward() returns scikit-learn's activations list, [X, h_1, ..., h_L, f], the caller's X first (read as the input and left out).

The gradients are right.  NumPy, columns layout, ReLU hidden layers, mean over the batch.
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
CORRECT = True


def forward(params, X):
    Ws, bs = params[0::2], params[1::2]
    activations = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ activations[-1] + b[:, None]
        activations.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    return activations


def loss_and_grads(params, X, Y):
    Ws = params[0::2]
    hs = forward(params, X)
    m = X.shape[1]
    R = hs[-1] - Y
    delta = R / m
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(axis=1)
        if i:
            delta = (Ws[i].T @ delta) * (hs[i] > 0)
    return 0.5 * np.sum(R * R) / m, grads
