"""Backpropagation written as a recursion over the layers (each call returns the gradient with respect to its input), in NumPy with a forward() that returns every layer.

Columns layout, flat biases, leaky ReLU 0.01 hidden, identity output, mean over the batch,
1/2 the squared error; the loss is a 0-d NumPy array.
"""

import numpy as np

CORRECT = True
ALPHA = 0.01
MLP_PARITY = {
    "hidden": f"leaky_relu:{ALPHA}",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}


def _layer(params, i, h, Y, grads):
    """Layers i.. applied to h; returns (loss, dL/dh) and fills grads[2i], grads[2i+1]."""
    n = len(params) // 2
    W, b = params[2 * i], params[2 * i + 1]
    a = W @ h + b[:, None]
    if i == n - 1:
        r = a - Y
        B = h.shape[1]
        loss, dA = 0.5 * np.sum(r * r) / B, r / B
    else:
        loss, dH = _layer(params, i + 1, np.where(a > 0, a, ALPHA * a), Y, grads)
        dA = dH * np.where(a > 0, 1.0, ALPHA).astype(a.dtype)
    grads[2 * i] = dA @ h.T
    grads[2 * i + 1] = dA.sum(axis=1)
    return loss, W.T @ dA


def forward(params, X):
    out, h = [], X
    n = len(params) // 2
    for i in range(n):
        a = params[2 * i] @ h + params[2 * i + 1][:, None]
        h = np.where(a > 0, a, ALPHA * a) if i < n - 1 else a
        out.append(h)
    return out


def loss_and_grads(params, X, Y):
    grads = [None] * len(params)
    loss, _ = _layer(params, 0, X, Y, grads)
    return np.asarray(loss), grads
